#include "dashboard/assets.hpp"

#include <array>
#include <cstddef>

namespace spillway::dashboard {

// Defined in the files CMake generates under build/embedded/.
extern const unsigned char ui_index_html[];
extern const std::size_t ui_index_html_size;
extern const unsigned char ui_app_js[];
extern const std::size_t ui_app_js_size;
extern const unsigned char ui_app_css[];
extern const std::size_t ui_app_css_size;
extern const unsigned char ui_uplot_js[];
extern const std::size_t ui_uplot_js_size;
extern const unsigned char ui_uplot_css[];
extern const std::size_t ui_uplot_css_size;

namespace {

std::string_view bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

const std::array<Asset, 5>& assets() {
  static const std::array<Asset, 5> table{{
      {"/ui/", "text/html; charset=utf-8", bytes(ui_index_html, ui_index_html_size)},
      {"/ui/app.js", "text/javascript; charset=utf-8", bytes(ui_app_js, ui_app_js_size)},
      {"/ui/app.css", "text/css; charset=utf-8", bytes(ui_app_css, ui_app_css_size)},
      {"/ui/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", bytes(ui_uplot_js, ui_uplot_js_size)},
      {"/ui/vendor/uPlot.min.css", "text/css; charset=utf-8", bytes(ui_uplot_css, ui_uplot_css_size)},
  }};
  return table;
}

}  // namespace

const Asset* find_asset(std::string_view path) {
  if (path == "/ui" || path == "/ui/index.html") {
    path = "/ui/";
  }
  for (const auto& a : assets()) {
    if (a.path == path) {
      return &a;
    }
  }
  return nullptr;
}

}  // namespace spillway::dashboard
