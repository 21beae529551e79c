#pragma once
// GET /admin/history: the token velocity report of `spillway audit` over the gateway's own audit
// database, as the same JSON `spillway audit --config <the gateway's config> --format json`
// prints (audit/report_json.hpp), so the page and the command always agree. Reads SQLite:
// call it off the I/O threads.
#include <cstdint>
#include <optional>
#include <string>

namespace spillway::dashboard {

// The longest window one report may cover: a week of minutes is ~10k points, which the page
// still draws at once (it sums them into at most a few thousand buckets).
inline constexpr std::int64_t max_history_ms = 7LL * 24 * 60 * 60 * 1000;

struct HistorySource {
  std::string db;           // the audit database ("" = auditing is off)
  std::string config_file;  // the config the gateway was started with ("" = from the environment)
};

struct HistoryQuery {
  std::optional<std::string> since;  // as `spillway audit --since` (default: 24h)
  std::optional<std::string> until;  // as --until (default: now)
  std::optional<std::string> by;     // as --by (default: upstream)
};

struct HistoryAnswer {
  int status = 200;  // 200, 400 (bad query), 404 (auditing off) or 500 (the report failed)
  std::string body;  // the report's JSON, else the error's message
};

HistoryAnswer history_report(const HistorySource& source, const HistoryQuery& query, std::int64_t now_ms);

}  // namespace spillway::dashboard
