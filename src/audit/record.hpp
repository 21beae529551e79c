#pragma once
// One usage record: what a request through the gateway was, who sent it, where it went and
// what it used. Written by server/ when a model request ends, read back by the audit report.
// Plain data; no Beast, no SQLite.
#include <cstdint>
#include <optional>
#include <string>

namespace spillway::audit {

struct Record {
  std::int64_t start_ms = 0;  // Unix time, milliseconds, when the request was read
  std::int64_t end_ms = 0;    // when its response ended
  std::int64_t ttft_ms = -1;  // first response byte after start; -1: nothing was sent
  std::string key_name;       // the gateway key's name ("" with auth: none)
  std::string agent;          // x-spillway-agent, else the key's name
  std::string session;        // x-claude-code-session-id / x-spillway-session
  std::string dialect;        // the client's: "anthropic" | "openai"
  std::string endpoint;       // "messages" | "chat" | "count_tokens"
  std::string model;          // as the client asked
  std::string route;          // the matching route's model pattern ("" = none)
  std::string upstream;       // the upstream that answered last ("" = none)
  std::string upstream_model;
  int attempts = 0;
  std::int64_t queued_ms = 0;  // time spent waiting for capacity
  int status = 0;              // HTTP status sent to the client (0: the client went away first)
  bool stream = false;
  bool overflowed = false;     // served by the route's overflow tier
  std::string refused_by;      // attempts refused on the way: "upstream:429,upstream:503"
  std::int64_t input_tokens = 0;  // Anthropic semantics: cache reads and writes not included
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  bool usage_estimated = false;    // the upstream reported no usage: the gateway's estimate
  std::int64_t input_tokens_estimate = 0;  // the gateway's own count, used then (not stored)
  std::optional<double> cost_usd;  // nullopt: no price known for the upstream model
  // Only with `audit: store_content: true` (docs/audit.md says what that costs in privacy).
  std::optional<std::string> request_body;
  std::optional<std::string> response_body;
};

}  // namespace spillway::audit
