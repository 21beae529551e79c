#pragma once
// The dashboard page's files, compiled into the binary at build time (CMakeLists.txt,
// spillway_embed_bytes): the page itself from ui/, the charting library from ui/node_modules
// (pinned in ui/package-lock.json). Nothing is fetched from elsewhere when the page loads.
#include <string_view>

namespace spillway::dashboard {

struct Asset {
  std::string_view path;  // as requested: "/ui/app.js"
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path` ("/ui" and "/ui/" are the page); nullptr for none.
const Asset* find_asset(std::string_view path);

}  // namespace spillway::dashboard
