#include "dashboard/query.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace spillway::dashboard {

std::optional<std::string> query_value(std::string_view target, std::string_view name) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    // Boost.URL refuses a '%' that two hex digits do not follow, and any other malformed target.
    throw QueryError{"the query string is malformed (a '%' must be followed by two hex digits): " +
                     url.error().message()};
  }
  boost::urls::encoding_opts plus_is_plus;
  plus_is_plus.space_as_plus = false;  // the page encodes with encodeURIComponent
  for (const auto& param : url->params(plus_is_plus)) {
    if (param.key != name) {
      continue;
    }
    if (param.value.size() > max_query_value) {
      throw QueryError{"query parameter '" + std::string(name) + "' is longer than " +
                       std::to_string(max_query_value) + " characters"};
    }
    return param.value;
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
