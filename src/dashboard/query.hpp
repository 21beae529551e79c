#pragma once
// The query string of the dashboard API's GET requests (`/admin/recent?limit=20`): a value by
// name, percent-decoded (`+` stays `+`: the page encodes with encodeURIComponent), and whole
// numbers within bounds. Values from outside are bounded in length.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spillway::dashboard {

inline constexpr std::size_t max_query_value = 128;

struct QueryError {
  std::string message;  // for a 400
};

// The value of `name` in `target`'s query string; nullopt when absent. Throws QueryError for a
// malformed escape or a value over max_query_value.
std::optional<std::string> query_value(std::string_view target, std::string_view name);

// `name` as a whole number from `min` to `max`, `fallback` when absent; throws QueryError.
std::int64_t query_count(std::string_view target, std::string_view name, std::int64_t min, std::int64_t max,
                         std::int64_t fallback);

}  // namespace spillway::dashboard
