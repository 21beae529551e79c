// The rate model of one upstream key (limiter.hpp). Buckets hold a level in tokens (double:
// they refill by fractions); a refill is computed lazily from the time of the last call, so
// nothing ticks in the background.
#include "ratelimit/limiter.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace spillway::ratelimit {
namespace {

using std::chrono::nanoseconds;

enum BucketIndex : std::size_t { kRequests = 0, kInput = 1, kOutput = 2, kTokens = 3, kBucketCount = 4 };

constexpr std::array<std::string_view, kBucketCount> kBucketNames = {"requests", "input tokens",
                                                                     "output tokens", "tokens"};

// Slack for the floating-point refill: retry_at is rounded up to the nanosecond, and a level
// that arrives there a hair short of the need (a rounding error, orders of magnitude below the
// smallest refill per millisecond, 1/60000 of a token) still admits.
constexpr double kEpsilon = 1e-6;
// Anthropic rounds token *-remaining to the nearest thousand: the true value may be this much lower.
constexpr std::int64_t kAnthropicRoundingSlack = 500;
// Upper bound on any delay read from a header, so absurd values cannot overflow the clock.
constexpr double kMaxDelaySeconds = 24 * 3600;

struct Bucket {
  std::int64_t capacity = 0;  // the per-minute limit; 0 = unknown, not enforced
  double level = 0;           // tokens available now; may be negative
};

std::int64_t pick(std::int64_t declared, std::int64_t learnt) { return declared > 0 ? declared : learnt; }

Limits effective_of(const Limits& declared, const Limits& learnt) {
  return {pick(declared.rpm, learnt.rpm), pick(declared.itpm, learnt.itpm),
          pick(declared.otpm, learnt.otpm), pick(declared.max_concurrency, learnt.max_concurrency),
          pick(declared.tpm, learnt.tpm)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_non_negative(std::string_view s) {
  s = trim(s);
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || !(value >= 0) ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

nanoseconds seconds_to_ns(double seconds) {
  seconds = std::clamp(seconds, 0.0, kMaxDelaySeconds);
  return nanoseconds{static_cast<std::int64_t>(std::ceil(seconds * 1e9))};
}

// How long a bucket of `capacity` per minute takes to refill `deficit`, rounded up to the
// nanosecond. Computed in nanoseconds directly so whole-token deficits give exact answers.
nanoseconds refill_time(double deficit, std::int64_t capacity) {
  double ns = std::ceil(deficit * 60e9 / static_cast<double>(capacity));
  return nanoseconds{static_cast<std::int64_t>(std::min(ns, kMaxDelaySeconds * 1e9))};
}

// A *-reset value as a delay from now: a Go duration (OpenAI) or an RFC 3339 time (Anthropic),
// the latter against the wall clock, since that is what the provider's timestamp is on.
std::optional<nanoseconds> reset_delay(std::string_view text, WallClock::time_point wall) {
  text = trim(text);
  if (text.empty()) {
    return std::nullopt;
  }
  if (auto d = parse_go_duration(text)) {
    return seconds_to_ns(static_cast<double>(d->count()) / 1000.0);
  }
  if (auto at = parse_rfc3339(text)) {
    double wall_s = std::chrono::duration<double>(wall.time_since_epoch()).count();
    return seconds_to_ns(*at - wall_s);
  }
  return std::nullopt;
}

}  // namespace

struct KeyBuckets::State {
  Limits declared;
  Limits learnt;
  Policy policy;
  std::array<Bucket, kBucketCount> buckets{};
  Clock::time_point last;  // buckets are refilled up to here
  std::int64_t in_flight = 0;
  // What the requests in flight were charged (or would have been, where no bucket existed yet):
  // a bucket created by a limit learnt mid-flight starts with them already counted.
  std::array<double, kBucketCount> in_flight_charge{};
  std::int64_t window = kSlowStartInitialWindow;
  std::optional<Clock::time_point> cooling_until;
  std::string cooling_reason;
  std::int64_t admitted = 0;
  std::int64_t refused = 0;
  std::int64_t settled = 0;
  std::int64_t released = 0;
  std::int64_t upstream_429s = 0;

  Limits effective() const { return effective_of(declared, learnt); }

  std::int64_t capacity_of(std::size_t index, const Limits& limits) const {
    switch (index) {
      case kRequests: return limits.rpm;
      case kInput: return limits.itpm;
      case kOutput: return limits.otpm;
      default: return policy.tokens_combined ? limits.tpm : 0;
    }
  }

  // The slow start applies only while nothing tells us the upstream's real limits.
  // Once the window has grown to its ceiling without a 429 the upstream has shown it takes that
  // much, and the cap is lifted (a 429 halves the window and brings it back).
  bool slow_start_active() const {
    Limits e = effective();
    return window < kSlowStartMaxWindow && e.rpm <= 0 && e.itpm <= 0 && e.otpm <= 0 && e.max_concurrency <= 0 &&
           !(policy.tokens_combined && e.tpm > 0);
  }

  // Never moves backwards: workers read the clock before taking the lock, so calls can arrive
  // slightly out of order.
  Clock::time_point advance(Clock::time_point now) {
    if (now > last) {
      double elapsed = std::chrono::duration<double>(now - last).count();
      for (Bucket& b : buckets) {
        if (b.capacity > 0) {
          b.level = std::min(static_cast<double>(b.capacity),
                             b.level + static_cast<double>(b.capacity) * elapsed / 60.0);
        }
      }
      last = now;
    }
    return last;
  }

  double level_at(const Bucket& b, Clock::time_point now) const {
    if (b.capacity <= 0) {
      return 0;
    }
    if (now <= last) {
      return b.level;
    }
    double elapsed = std::chrono::duration<double>(now - last).count();
    return std::min(static_cast<double>(b.capacity),
                    b.level + static_cast<double>(b.capacity) * elapsed / 60.0);
  }

  // Called when declared/learnt limits may have changed. A new bucket starts full; a limit
  // that moves keeps what was used (a tier upgrade adds the difference).
  void apply_limits() {
    Limits e = effective();
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      Bucket& b = buckets[i];
      std::int64_t capacity = capacity_of(i, e);
      if (capacity == b.capacity) {
        continue;
      }
      if (b.capacity <= 0) {
        b.level = static_cast<double>(capacity) - in_flight_charge[i];
      } else {
        b.level = std::min(static_cast<double>(capacity),
                           b.level + static_cast<double>(capacity - b.capacity));
      }
      b.capacity = capacity;
    }
  }

  void give_back(std::size_t index, const Ticket& ticket, double amount) {
    Bucket& b = buckets[index];
    if ((ticket.charged & (1u << index)) == 0 || b.capacity <= 0) {
      return;  // the reservation never came from this bucket
    }
    b.level = std::min(static_cast<double>(b.capacity), b.level + amount);
  }

  void end_flight(const Ticket& ticket) {
    if (ticket.concurrency && in_flight > 0) {
      --in_flight;
      const std::array<double, kBucketCount> charge = charge_of(ticket);
      for (std::size_t i = 0; i < kBucketCount; ++i) {
        in_flight_charge[i] = std::max(0.0, in_flight_charge[i] - charge[i]);
      }
    }
  }

  static std::array<double, kBucketCount> charge_of(const Ticket& ticket) {
    const auto in = static_cast<double>(ticket.input_tokens);
    const auto out = static_cast<double>(ticket.output_tokens);
    return {1.0, in, out, in + out};
  }
};

KeyBuckets::KeyBuckets(Limits declared, Policy policy, Clock::time_point now)
    : state_(std::make_unique<State>()) {
  state_->declared = declared;
  state_->policy = policy;
  state_->last = now;
  state_->apply_limits();
}

KeyBuckets::~KeyBuckets() = default;

void KeyBuckets::redeclare(Limits declared, Policy policy, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  s.advance(now);
  s.declared = declared;
  s.policy = policy;
  s.apply_limits();
}

Admission KeyBuckets::try_admit(const Demand& demand, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  Clock::time_point at = s.advance(now);

  std::int64_t input = std::max<std::int64_t>(demand.input_tokens, 0);
  std::int64_t output = s.policy.output == OutputReservation::max_tokens
                            ? std::max<std::int64_t>(demand.max_output_tokens, 0)
                            : 0;
  std::array<std::int64_t, kBucketCount> charge = {1, input, output, input + output};

  Admission result;
  bool refused = false;
  auto refuse = [&](Clock::time_point when, std::string_view reason) {
    if (!refused || when > result.retry_at) {
      result.retry_at = when;
      result.reason = reason;
    }
    refused = true;
  };

  if (s.cooling_until && at < *s.cooling_until) {
    refuse(*s.cooling_until, "cooling down");
  }
  for (std::size_t i = 0; i < kBucketCount && s.policy.predictive; ++i) {
    const Bucket& b = s.buckets[i];
    if (b.capacity <= 0) {
      continue;
    }
    // At least one unit of room (a "generated" output bucket that is empty or negative still
    // refuses), at most a whole bucket (a bigger request is admitted when the bucket is full).
    double need = static_cast<double>(std::min(std::max<std::int64_t>(charge[i], 1), b.capacity));
    if (b.level + kEpsilon < need) {
      refuse(at + refill_time(need - b.level, b.capacity), kBucketNames[i]);
    }
  }
  Limits e = s.effective();
  if (s.policy.predictive && e.max_concurrency > 0 && s.in_flight >= e.max_concurrency) {
    refuse(at + kRecheckInterval, "concurrency");
  }
  if (s.policy.predictive && s.slow_start_active() && s.in_flight >= s.window) {
    refuse(at + kRecheckInterval, "slow start");
  }
  if (refused) {
    ++s.refused;
    return result;
  }

  Ticket ticket;
  ticket.input_tokens = input;
  ticket.output_tokens = output;
  ticket.concurrency = true;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    Bucket& b = s.buckets[i];
    if (b.capacity > 0) {
      b.level -= static_cast<double>(charge[i]);
      ticket.charged |= static_cast<std::uint8_t>(1u << i);
    }
  }
  ++s.in_flight;
  const std::array<double, kBucketCount> held = State::charge_of(ticket);
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    s.in_flight_charge[i] += held[i];
  }
  ++s.admitted;
  result.ticket = ticket;
  return result;
}

void KeyBuckets::settle(const Ticket& ticket, const Usage& actual, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  s.advance(now);
  auto non_negative = [](std::int64_t v) { return static_cast<double>(std::max<std::int64_t>(v, 0)); };
  double input = non_negative(actual.input_tokens) + non_negative(actual.cache_creation_input_tokens);
  if (s.policy.cache_reads == CacheReads::counted) {
    input += non_negative(actual.cache_read_input_tokens);
  }
  double output = non_negative(actual.output_tokens);
  double reserved_input = static_cast<double>(ticket.input_tokens);
  double reserved_output = static_cast<double>(ticket.output_tokens);
  // The request itself was made: the requests bucket keeps its charge.
  s.give_back(kInput, ticket, reserved_input - input);
  s.give_back(kOutput, ticket, reserved_output - output);
  s.give_back(kTokens, ticket, reserved_input + reserved_output - input - output);
  s.end_flight(ticket);
  ++s.settled;
}

void KeyBuckets::accepted(Clock::time_point now) {
  if (window_full_.load(std::memory_order_relaxed)) {
    return;  // the window is at its ceiling: nothing to widen (and no lock on every response)
  }
  std::lock_guard lock(mutex_);
  State& s = *state_;
  s.advance(now);
  s.window = std::min(s.window + 1, kSlowStartMaxWindow);
  window_full_.store(s.window >= kSlowStartMaxWindow, std::memory_order_relaxed);
}

void KeyBuckets::release(const Ticket& ticket, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  s.advance(now);
  s.give_back(kRequests, ticket, 1);
  s.give_back(kInput, ticket, static_cast<double>(ticket.input_tokens));
  s.give_back(kOutput, ticket, static_cast<double>(ticket.output_tokens));
  s.give_back(kTokens, ticket, static_cast<double>(ticket.input_tokens + ticket.output_tokens));
  s.end_flight(ticket);
  ++s.released;
}

void KeyBuckets::observe(const HeaderView& h, bool rate_limited, Clock::time_point now,
                         WallClock::time_point wall) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  Clock::time_point at = s.advance(now);

  // Limits. Azure may send -1 or 0: not a limit.
  auto learn = [](std::string_view text, std::int64_t& into) {
    if (auto v = parse_int(text); v && *v > 0) {
      into = *v;
    }
  };
  learn(h.requests_limit, s.learnt.rpm);
  learn(h.input_limit, s.learnt.itpm);
  learn(h.output_limit, s.learnt.otpm);
  learn(h.tokens_limit, s.learnt.tpm);
  s.apply_limits();

  // Remaining: the provider's meter is the truth, but only ever lowers the model. It cannot
  // see our in-flight reservations' future settles, and a stale header would only ever be
  // higher than a fresher one would say.
  bool anthropic = !h.input_limit.empty() || !h.input_remaining.empty() || !h.input_reset.empty() ||
                   !h.output_limit.empty() || !h.output_remaining.empty() || !h.output_reset.empty();
  std::array<std::optional<std::int64_t>, kBucketCount> floor_of{};  // lowest true remaining
  auto remaining = [&](std::size_t index, std::string_view text, bool rounded) {
    auto v = parse_int(text);
    if (!v || *v < 0) {
      return;
    }
    std::int64_t lowest = rounded ? std::max<std::int64_t>(*v - kAnthropicRoundingSlack, 0) : *v;
    floor_of[index] = lowest;
    Bucket& b = s.buckets[index];
    if (b.capacity > 0) {
      b.level = std::min(b.level, static_cast<double>(lowest));
    }
  };
  remaining(kRequests, h.requests_remaining, false);
  remaining(kInput, h.input_remaining, true);
  remaining(kOutput, h.output_remaining, true);
  remaining(kTokens, h.tokens_remaining, anthropic);

  if (!rate_limited) {
    return;
  }
  ++s.upstream_429s;
  s.window = std::max<std::int64_t>(s.window / 2, 1);
  window_full_.store(false, std::memory_order_relaxed);

  // How long: retry-after-ms, then retry-after (both honoured in full), then the reset of the
  // bucket the headers show empty (the latest, if several), then any reset (the earliest), then
  // a default.
  std::optional<nanoseconds> delay;
  if (auto ms = parse_non_negative(h.retry_after_ms)) {
    delay = seconds_to_ns(*ms / 1000.0);
  } else if (auto sec = parse_non_negative(h.retry_after)) {
    delay = seconds_to_ns(*sec);
  } else {
    std::array<std::string_view, kBucketCount> resets = {h.requests_reset, h.input_reset,
                                                         h.output_reset, h.tokens_reset};
    std::optional<nanoseconds> exhausted, any;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      auto d = reset_delay(resets[i], wall);
      if (!d) {
        continue;
      }
      if (floor_of[i] && *floor_of[i] <= 0) {
        exhausted = exhausted ? std::max(*exhausted, *d) : *d;
      }
      any = any ? std::min(*any, *d) : *d;
    }
    delay = exhausted ? exhausted : any;
  }
  Clock::time_point until = at + delay.value_or(nanoseconds{kDefaultCoolDown});
  if (!s.cooling_until || until > *s.cooling_until) {
    s.cooling_until = until;
    s.cooling_reason = "upstream 429";
  }
}

void KeyBuckets::cool_down(Clock::time_point until, std::string reason) {
  std::lock_guard lock(mutex_);
  State& s = *state_;
  if (!s.cooling_until || until > *s.cooling_until) {
    s.cooling_until = until;
    s.cooling_reason = std::move(reason);
  }
}

Snapshot KeyBuckets::snapshot(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const State& s = *state_;
  Snapshot out;
  out.declared = s.declared;
  out.learnt = s.learnt;
  out.effective = s.effective();
  out.requests_available = s.level_at(s.buckets[kRequests], now);
  out.input_available = s.level_at(s.buckets[kInput], now);
  out.output_available = s.level_at(s.buckets[kOutput], now);
  out.tokens_available = s.level_at(s.buckets[kTokens], now);
  out.in_flight = s.in_flight;
  out.slow_start_window = s.slow_start_active() ? s.window : 0;
  if (s.cooling_until && now < *s.cooling_until) {
    out.cooling_until = s.cooling_until;
    out.cooling_reason = s.cooling_reason;
  }
  out.admitted = s.admitted;
  out.refused = s.refused;
  out.settled = s.settled;
  out.released = s.released;
  out.upstream_429s = s.upstream_429s;
  return out;
}

}  // namespace spillway::ratelimit
