#pragma once
// Token velocity from usage records: the per-minute series, its percentiles overall and per
// group, the sessions that burn tokens fastest, refusals, queueing and overflow, errors and
// cost. Pure computation over rows already read; no SQLite, no output.
//
// A request counts, with all its tokens, in the minute (UTC) it started.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/percentile.hpp"
#include "audit/prices.hpp"
#include "audit/record.hpp"

namespace spillway::audit {

struct TokenCounts {
  std::int64_t input = 0;  // excludes cache reads and writes
  std::int64_t output = 0;
  std::int64_t cache_read = 0;
  std::int64_t cache_write = 0;
  std::int64_t total() const { return input + output + cache_read + cache_write; }
  void add(const Record& r);
  bool operator==(const TokenCounts&) const = default;
};

struct MinuteCounts {
  std::int64_t requests = 0;
  TokenCounts tokens;
  bool operator==(const MinuteCounts&) const = default;
};

// Every minute from the first request's minute to the last request's, empty ones included.
struct MinuteSeries {
  std::int64_t first_minute_ms = 0;  // Unix ms of minute 0's start
  std::vector<MinuteCounts> minutes;

  std::vector<std::int64_t> tokens() const;    // total tokens per minute
  std::vector<std::int64_t> requests() const;  // requests per minute
  std::size_t peak_tokens_minute() const;      // index of the first busiest minute (0 if empty)
  std::size_t peak_requests_minute() const;
};

struct Rates {
  Quantiles tokens_per_minute;
  Quantiles requests_per_minute;
};

struct Totals {
  std::int64_t requests = 0;
  TokenCounts tokens;
  double cost_usd = 0;
  std::int64_t unpriced_requests = 0;  // tokens used, no price known: not in cost_usd
  std::int64_t estimated_usage = 0;    // the upstream reported no usage (the gateway's estimate)
  std::int64_t queued = 0;             // waited for capacity
  std::int64_t overflowed = 0;         // served by the overflow tier
  std::int64_t errors = 0;             // status >= 400 sent to the client, or 0 (client gone)
};

struct Group {
  std::string key;  // "" for rows without a value (shown as "(none)")
  Totals totals;
  Rates rates;  // over the same minutes as the overall series
};

struct SessionVelocity {
  std::string session;
  std::string agent;  // of the session's first request
  std::int64_t requests = 0;
  std::int64_t tokens = 0;
  double cost_usd = 0;
  std::int64_t first_start_ms = 0;
  std::int64_t last_end_ms = 0;
  double active_minutes = 1;        // (last end - first start), at least 1
  double tokens_per_minute = 0;     // tokens / active_minutes
  std::int64_t peak_minute_ms = 0;  // its busiest minute (by start), and the tokens in it
  std::int64_t peak_minute_tokens = 0;
};

struct UpstreamRefusals {
  std::string upstream;
  std::int64_t total = 0;
  std::map<std::string, std::int64_t> by_reason;  // "429", "connect", "timeout", "credit", ...
};

// How a route's traffic was spread over its upstreams, and what waited or overflowed.
struct Flow {
  std::string route;
  std::string upstream;
  std::int64_t requests = 0;
  std::int64_t queued = 0;
  std::int64_t queued_ms_max = 0;
  std::int64_t queued_ms_total = 0;
  std::int64_t overflowed = 0;
};

enum class GroupBy { agent, session, model, upstream, key };
// "agent" | ... ; nullopt for anything else.
std::optional<GroupBy> parse_group_by(std::string_view text);
const char* to_string(GroupBy by);

struct VelocityOptions {
  GroupBy by = GroupBy::agent;
  std::size_t top_sessions = 10;
  // Cost: by default the cost the gateway stored when the request ended, and the price
  // table only where none was stored; `reprice` uses the table first, the stored cost only
  // where the table has no price.
  bool reprice = false;
};

struct Velocity {
  Totals totals;
  MinuteSeries series;
  Rates rates;
  std::vector<Group> groups;  // by total tokens, then key
  std::vector<SessionVelocity> top_sessions;
  std::vector<UpstreamRefusals> refusals;  // by total, then upstream
  std::vector<Flow> flows;                 // by route, then upstream
  std::map<int, std::int64_t> error_statuses;
};

// One row's cost in USD, or nullopt when no price is known (VelocityOptions::reprice).
std::optional<double> row_cost(const Record& r, const PriceTable& prices, bool reprice);

// Builds the per-minute series of `rows` that pass `keep`, over the minutes of `like`.
MinuteSeries series_over(const std::vector<Record>& rows, const MinuteSeries& like,
                         const std::function<bool(const Record&)>& keep);

Velocity compute_velocity(const std::vector<Record>& rows, const PriceTable& prices, const VelocityOptions& options);

}  // namespace spillway::audit
