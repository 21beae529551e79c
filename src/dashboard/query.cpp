#include "dashboard/query.hpp"

#include <charconv>

namespace spillway::dashboard {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string decode(std::string_view text, std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      throw QueryError{"query parameter '" + std::string(name) + "': a '%' not followed by two hex digits"};
    }
    const int a = hex_digit(text[i + 1]);
    const int b = hex_digit(text[i + 2]);
    if (a < 0 || b < 0) {
      throw QueryError{"query parameter '" + std::string(name) + "': a '%' not followed by two hex digits"};
    }
    out += static_cast<char>(a * 16 + b);
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::string> query_value(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) {
      continue;
    }
    const auto raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (raw.size() > 3 * max_query_value) {
      throw QueryError{"query parameter '" + std::string(name) + "' is longer than " +
                       std::to_string(max_query_value) + " characters"};
    }
    auto value = decode(raw, name);
    if (value.size() > max_query_value) {
      throw QueryError{"query parameter '" + std::string(name) + "' is longer than " +
                       std::to_string(max_query_value) + " characters"};
    }
    return value;
  }
  return std::nullopt;
}

std::int64_t query_count(std::string_view target, std::string_view name, std::int64_t min, std::int64_t max,
                         std::int64_t fallback) {
  const auto text = query_value(target, name);
  if (!text) {
    return fallback;
  }
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    throw QueryError{"query parameter '" + std::string(name) + "': expected a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max) + ", not '" + *text + "'"};
  }
  return value;
}

}  // namespace spillway::dashboard
