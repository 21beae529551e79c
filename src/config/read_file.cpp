#include "config/read_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace spillway::config::detail {

std::optional<std::string> read_whole_file(const std::string& path, std::string& out) {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return std::string(std::strerror(errno));
  }
  out.clear();
  char buffer[8192];
  for (;;) {
    std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    out.append(buffer, n);
    if (n < sizeof buffer) {
      break;
    }
  }
  if (std::ferror(file.get())) {
    // A directory opens fine on Linux and fails here with EISDIR.
    return std::string(std::strerror(errno != 0 ? errno : EIO));
  }
  return std::nullopt;
}

}  // namespace spillway::config::detail
