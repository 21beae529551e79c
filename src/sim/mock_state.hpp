#pragma once
// What every simulator worker shares: the options (immutable after start-up), the script and
// its cursor, and the rate-limit buckets.
#include <atomic>
#include <cstdint>
#include <vector>

#include "sim/mock_provider.hpp"
#include "sim/rate_limits.hpp"
#include "sim/reply_plan.hpp"

namespace spillway::sim {

struct MockState {
  explicit MockState(MockOptions opts)
      : options(std::move(opts)), limits(options.rpm, options.itpm, options.otpm) {}

  const MockOptions options;
  std::vector<ReplyPlan> script;
  std::atomic<std::uint64_t> script_next{0};
  RateLimits limits;
};

}  // namespace spillway::sim
