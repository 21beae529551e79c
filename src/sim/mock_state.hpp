#pragma once
// What every simulator worker shares: the options (immutable after start-up), the script and
// its cursor, the rate-limit buckets, the generation slots and the counters of GET /mock/stats.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/concurrency.hpp"
#include "sim/mock_provider.hpp"
#include "sim/rate_limits.hpp"
#include "sim/reply_plan.hpp"

namespace spillway::sim {

// What the simulator has done since it started, for benchmarks that need the provider's own
// view (how many 429s it gave, how many input tokens it let through).
struct MockCounters {
  std::atomic<std::uint64_t> requests{0};      // generation requests received
  std::atomic<std::uint64_t> admitted{0};      // passed the rate limits (answered or answering)
  std::atomic<std::uint64_t> rate_limited{0};  // refused with a 429 by the buckets
  std::atomic<std::uint64_t> errors{0};        // other errors (forced, scripted, bad requests)
  std::atomic<std::uint64_t> finished{0};      // admitted and done (answer written, or the client gone)
  std::atomic<std::uint64_t> input_tokens{0};  // of admitted requests
  std::atomic<std::uint64_t> output_tokens{0};
};

struct MockState {
  explicit MockState(MockOptions opts)
      : options(std::move(opts)),
        limits(options.rpm, options.itpm, options.otpm, RateLimits::clock::now(), options.time_scale),
        slots(options.max_concurrency > 0 ? std::make_unique<ConcurrencySlots>(options.max_concurrency)
                                          : nullptr) {}

  const MockOptions options;
  std::vector<ReplyPlan> script;
  std::atomic<std::uint64_t> script_next{0};
  RateLimits limits;
  std::unique_ptr<ConcurrencySlots> slots;  // null: no concurrency limit
  MockCounters counters;
};

}  // namespace spillway::sim
