#pragma once
// The demo's agent workload, as data: what each simulated agent sends and how a client retries.
// Pure (no I/O, no clock): the same seed gives the same tasks, contexts and request bodies, so
// both runs of `spillway demo` get the same work and tests can check its shape.
//
// The shape follows Claude Code (bench/tiers/driver.mjs): an agent works through tasks; a task
// is a tool loop of N steps on the senior model whose whole conversation is sent every step
// (each tool result joins it, so the context grows), with its tool list; some steps hand work to
// sub-agents (smaller contexts, a few steps each, run in parallel while the main loop waits);
// and now and then Claude Code's side requests (titles, summaries) go to the small model with
// no tools, without the loop waiting for them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::sim {

inline constexpr std::string_view demo_senior_model = "claude-sonnet-4-5";
inline constexpr std::string_view demo_small_model = "claude-haiku-4-5";

// A small deterministic generator (splitmix64), so a seed means the same work on every machine.
class DemoRng {
 public:
  explicit DemoRng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [lo, hi].
  int between(int lo, int hi);
  double unit();  // [0, 1)

 private:
  std::uint64_t state_;
};

enum class CallKind { main, sub, side };
const char* call_kind_name(CallKind kind);

// One step of a task's main loop: after its request, the sub-agents it starts (0 to 2, run in
// parallel) and whether a side request goes out beside it.
struct TaskStep {
  int tool_result_tokens = 0;  // what the step's tool result adds to the context
  int sub_agents = 0;
  bool side_request = false;
};

struct TaskPlan {
  int initial_context_tokens = 0;  // system prompt, CLAUDE.md, the task
  std::vector<TaskStep> steps;
};

// The `index`-th task of agent `agent` (both from 0) under `seed`: 6 to 12 steps, a context of
// 5,000 to 8,000 tokens growing by 800 to 2,500 a step, a sub-agent pair about one step in five.
TaskPlan plan_task(std::uint64_t seed, int agent, int index);

// How many steps a sub-agent runs, and its context.
inline constexpr int sub_agent_steps = 3;
inline constexpr int sub_agent_context_tokens = 2500;
inline constexpr int sub_agent_result_tokens = 700;

// Filler text of about `tokens` tokens as the simulators count them (bytes / 4): code-like
// lines, different for each seed, so no two contexts are byte-identical.
std::string context_text(DemoRng& rng, int tokens);

// A conversation in the Anthropic Messages shape, grown one turn at a time.
class Conversation {
 public:
  explicit Conversation(std::string first_user_text);
  // The assistant's reply and the tool result that follows it, as Claude Code appends them.
  void add_turn(std::string assistant_text, std::string tool_result);
  // Characters of message text so far (about 4 per token).
  std::size_t text_bytes() const { return bytes_; }
  const std::vector<std::string>& texts() const { return texts_; }

 private:
  std::vector<std::string> texts_;  // user, assistant, user, ... message texts
  std::size_t bytes_ = 0;
};

// The JSON body of one request. Main and sub-agent steps stream and declare Claude Code's tools;
// side requests do not stream, declare no tools and ask for few tokens.
std::string request_body(CallKind kind, const Conversation& conversation);

// The retry rule of the official Anthropic and OpenAI SDKs (PROTOCOLS.md 6.1): 2 retries, on a
// connection error, 408, 409, 429 or >= 500; the delay is `retry-after-ms`, else `retry-after`
// (seconds), else min(0.5 * 2^n, 8) s less up to 25% jitter, n = retries already made.
// `x-should-retry: false` forbids a retry. Returns the delay in seconds before the next attempt,
// or nullopt when the client gives up and the error reaches the agent.
struct RetryInput {
  unsigned status = 0;  // 0: no response (connection error)
  int retries_done = 0;
  std::string_view retry_after_ms{};
  std::string_view retry_after{};
  std::string_view should_retry{};
  double jitter = 0;  // [0, 1), drawn by the caller
};
inline constexpr int sdk_max_retries = 2;
std::optional<double> sdk_retry_delay_s(const RetryInput& in);

}  // namespace spillway::sim
