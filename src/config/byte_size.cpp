#include "config/byte_size.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

namespace spillway::config::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end == text.data()) {
    return std::nullopt;
  }
  std::string_view rest(end, static_cast<std::size_t>(text.data() + text.size() - end));
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  static const std::array<std::pair<const char*, std::uint64_t>, 8> units{{
      {"", 1},
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"kib", 1024},
      {"mib", 1024 * 1024},
      {"gib", 1024 * 1024 * 1024},
  }};
  std::string unit = lower(rest);
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      if (number > UINT64_MAX / factor) {
        return std::nullopt;
      }
      return number * factor;
    }
  }
  return std::nullopt;
}

}  // namespace spillway::config::detail
