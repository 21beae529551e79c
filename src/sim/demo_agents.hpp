#pragma once
// Runs the demo's agents (demo_workload.hpp) against one address for a fixed time: straight at
// the premium simulator, or at the gateway. Each agent is a coroutine on one thread; the
// counters are atomics, so the terminal view can read them from another thread while it runs.
// Asio stays inside demo_agents.cpp.
//
// A request "fails" when its error reaches the agent: the client retried it as the official
// SDKs do (sdk_retry_delay_s: 2 retries honouring retry-after) and the last attempt still
// failed. A task fails when a request of its main loop or of one of its sub-agents fails (the
// work is lost; the agent starts its next task). A failed side request (title, summary) is
// counted but fails no task, as Claude Code shrugs those off. At the end of the run no request
// starts; a task cut off by the end, or by a retry that would wait past it, is "unfinished".
#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace spillway::sim {

struct LiveCounters {
  std::atomic<long> attempts{0};      // HTTP requests sent, retries included
  std::atomic<long> ok{0};            // answered 200 and complete
  std::atomic<long> rate_limited{0};  // answered 429 (each attempt)
  std::atomic<long> failures{0};      // errors that reached an agent after the retries
  std::atomic<long> tasks_done{0};
  std::atomic<long> tasks_failed{0};
  std::atomic<long> in_flight{0};
  std::atomic<long> premium_tokens{0};  // input + output of answers the premium served
  std::atomic<long> local_tokens{0};    // ... and the local server
  std::atomic<long> queue_waiting{-1};  // the gateway's queue now; -1: no gateway
  std::atomic<bool> finished{false};
  std::atomic<bool> cancel{false};  // set from outside (Ctrl-C): the run stops at once
};

struct TokenCount {
  long requests = 0;
  long input = 0;
  long output = 0;
};

struct AgentRunConfig {
  std::string url;              // http://HOST:PORT of the premium simulator or the gateway
  bool through_gateway = false;  // also poll GET /admin/limits for the queue
  int agents = 6;
  double duration_s = 25;
  std::uint64_t seed = 1;
  std::string session_prefix;    // sessions are PREFIX-agent-N-task-K
  double hard_stop_after_s = 20;  // after the end: requests still in flight are abandoned
};

struct AgentRunResult {
  double seconds = 0;  // from the first request to the last answer
  long attempts = 0;
  long ok = 0;
  long rate_limited = 0;
  long other_errors = 0;  // non-429 error answers and connection errors, each attempt
  long retries = 0;
  long failures = 0;       // errors that reached an agent, all kinds
  long side_failures = 0;  // of which side requests
  long tasks_done = 0;
  long tasks_failed = 0;
  long tasks_unfinished = 0;
  long abandoned_in_flight = 0;  // still in flight at the hard stop
  // Usage of the answers, by the upstream that served them (x-spillway-upstream, or "premium"
  // for the direct run) and by the model the agent asked for.
  std::map<std::string, TokenCount> by_upstream;
  std::map<std::string, TokenCount> premium_by_model;
};

AgentRunResult run_agents(const AgentRunConfig& config, LiveCounters& live);

// GET `path` from `url` (http://HOST:PORT); the body, or "" when there was no 200 answer
// within 5 s. For the simulators' /mock/stats.
std::string http_get(const std::string& url, const std::string& path);

}  // namespace spillway::sim
