#pragma once
// The times `spillway audit --since/--until` accept, as Unix milliseconds (UTC):
//   absolute  2026-03-01, 2026-03-01T14:05, 2026-03-01T14:05:30Z, 2026-03-01 14:05:30.250+02:00
//             (RFC 3339; without an offset the time is UTC)
//   relative  90m, 2h, 7d, 1w: that long before `now_ms`; `now`
#include <cstdint>
#include <string>
#include <string_view>

namespace spillway::audit {

// Throws std::invalid_argument with a message that says what is accepted.
std::int64_t parse_time_spec(std::string_view text, std::int64_t now_ms);

// "2026-03-01 14:05 UTC" (seconds shown only when not zero).
std::string format_utc_minute(std::int64_t unix_ms);
// "2026-03-01T14:05:00Z".
std::string format_rfc3339(std::int64_t unix_ms);

}  // namespace spillway::audit
