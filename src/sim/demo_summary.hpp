#pragma once
// The demo's closing table: the direct run beside the run through spillway. The direct run's
// figures are what the agents' own client measured; the gateway run's tier, token, queue and
// cost figures are read back from the gateway's audit database (read_gateway_figures), so the
// table prints what the database says; the agents' view (429s seen, failures, tasks) comes from
// their client in both runs, and the premium's 429s from the simulator's own counters.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/demo_agents.hpp"

namespace spillway::sim {

// What the audit database holds for requests that started at or after `since_ms`.
struct GatewayFigures {
  long requests = 0;
  long ok = 0;              // status 200
  long errors = 0;          // status >= 400, or 0 (client went away)
  long rate_limited = 0;    // status 429 sent to agents
  long upstream_429s = 0;   // premium:429 entries in refused_by (attempts the gateway retried)
  long overflowed = 0;
  long queued = 0;          // queued_ms > 0
  long max_queued_ms = 0;
  TokenCount premium;       // upstream = 'premium'
  TokenCount local;         // upstream = 'local'
  double cost_usd = 0;      // sum of the stored cost (the local tier has no price)
  long priced = 0;          // requests with a stored cost
};

// Throws std::runtime_error when the file cannot be read as an audit database.
GatewayFigures read_gateway_figures(const std::string& db_path, std::int64_t since_ms);

struct RunFigures {
  AgentRunResult agents;
  long premium_429s = -1;  // the premium simulator's own count (GET /mock/stats); -1 unknown
  TokenCount premium;
  TokenCount local;
  double cost_usd = 0;
  std::optional<GatewayFigures> audit;  // the gateway run only
};

// The direct run's figures: its tokens are what the agents' client counted, priced with the
// built-in table (data/prices.yaml) by the model asked for.
RunFigures direct_figures(const AgentRunResult& agents, long premium_429s);
// The gateway run's: tokens, tiers and cost from the audit database.
RunFigures gateway_figures(const AgentRunResult& agents, long premium_429s, const GatewayFigures& audit);

// Share of the premium's input-token budget used in `seconds`: input tokens / (the bucket, which
// starts full, + per_minute / 60 per second of refill). 0 when there is no budget.
double itpm_utilisation(long input_tokens, long bucket, long per_minute, double seconds);

// The side-by-side table, one figure per line: label, direct, through spillway, source. Figures
// are plain numbers (no thousands separators) so scripts and tests can read them back.
// `itpm_bucket` and `itpm_per_minute` are the premium's (itpm_utilisation).
std::string format_summary(const RunFigures& direct, const RunFigures& gateway, long itpm_bucket,
                           long itpm_per_minute);

}  // namespace spillway::sim
