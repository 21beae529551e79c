#pragma once
// Predictive rate limiting: spillway's own model of every upstream key's buckets, so it knows
// before sending whether a request fits (issue 4; PROTOCOLS.md 1.9 and 2.5; docs/rate-limits.md).
//
// One KeyBuckets per (upstream, API key). Token buckets that refill continuously up to their
// per-minute limit, as providers meter (requests, input tokens, output tokens, and OpenAI's
// combined TPM), plus a concurrency cap. Limits are declared in the config, or learnt from the
// provider's rate-limit headers, or, while neither is known, approached by a slow start: a
// concurrency window that starts small and widens with each success (and halves on a 429), so
// an unknown upstream is never burst into 429s.
//
// Admission is two-phase: try_admit() reserves what the request will cost (requests 1, input
// tokens as estimated, output tokens per the reservation policy) or says when it could fit;
// the ticket is settled with the real usage when the response ends (or released unused when
// the request failed before the upstream counted it). Every admitted ticket must be settled or
// released exactly once. Thread-safe: every worker shares them. Pure: no I/O, the clock is
// passed in, so tests run without sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace spillway::ratelimit {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// Slow start: the concurrency window while no limit is known (declared or learnt).
inline constexpr std::int64_t kSlowStartInitialWindow = 4;
inline constexpr std::int64_t kSlowStartMaxWindow = 256;
// A slot (concurrency, slow start) frees only on settle/release, never by the clock alone: a
// refusal for want of one says "ask again after this".
inline constexpr std::chrono::milliseconds kRecheckInterval{50};
// A 429 that names no retry-after and no usable reset cools the key down this long.
inline constexpr std::chrono::milliseconds kDefaultCoolDown{1000};

// Per-minute limits; 0 means "not known" (neither declared nor learnt yet).
struct Limits {
  std::int64_t rpm = 0;
  std::int64_t itpm = 0;
  std::int64_t otpm = 0;
  std::int64_t max_concurrency = 0;
  // Combined input+output tokens/min (OpenAI's TPM, x-ratelimit-limit-tokens). Enforced only
  // with Policy::tokens_combined; Anthropic's anthropic-ratelimit-tokens-* is recorded here but
  // not enforced by default (it is "the most restrictive token limit", already covered by the
  // input and output buckets).
  std::int64_t tpm = 0;
};

// How output tokens are held at admission (PROTOCOLS.md 1.9, 2.5).
enum class OutputReservation {
  generated,   // count tokens as generated: nothing reserved up front (Anthropic's current docs)
  max_tokens,  // reserve max_tokens at admission, give back the unused part at settle (OpenAI;
               // Anthropic's older behaviour)
};

// How the provider counts cache reads against its input-token limit.
enum class CacheReads {
  free,     // not counted (Anthropic, current models)
  counted,  // counted like any input token (OpenAI; Anthropic's older models)
};

struct Policy {
  OutputReservation output = OutputReservation::generated;
  CacheReads cache_reads = CacheReads::free;
  bool tokens_combined = false;  // one token bucket for input + output (OpenAI's TPM)
  // false: no prediction at all, only the cool-downs a 429 or an exhausted credit causes (what a
  // reactive gateway does; kept to measure the difference, bench/swarm.sh).
  bool predictive = true;
};

// The providers' documented behaviour (PROTOCOLS.md 1.9, 2.5): the default per upstream kind.
inline constexpr Policy anthropic_policy() { return {}; }
inline constexpr Policy openai_policy() {
  return {OutputReservation::max_tokens, CacheReads::counted, true};
}

// What one request will cost, estimated before it is sent.
struct Demand {
  std::int64_t input_tokens = 0;       // estimated, uncached and cached together
  std::int64_t max_output_tokens = 0;  // the request's max_tokens (0: unknown, nothing reserved)
};

// What it cost, from the upstream's usage.
struct Usage {
  std::int64_t input_tokens = 0;  // uncached (Anthropic semantics)
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;
};

// A reservation held from admission to settle/release. Opaque to callers beyond reading it.
struct Ticket {
  std::int64_t input_tokens = 0;   // charged to the input (and combined) bucket
  std::int64_t output_tokens = 0;  // charged to the output (and combined) bucket
  bool concurrency = false;        // holds an in-flight slot (always, for an admitted ticket)
  // Which buckets the reservation was taken from (bit per bucket, implementation-defined): a
  // limit learnt while the request was in flight must not be credited with a reservation it
  // never gave.
  std::uint8_t charged = 0;
};

struct Admission {
  std::optional<Ticket> ticket;          // admitted: the reservation to settle
  Clock::time_point retry_at{};          // not admitted: the earliest time it could fit
  std::string_view reason;               // not admitted: the binding dimension, one of
                                         // "cooling down", "requests", "input tokens",
                                         // "output tokens", "tokens", "concurrency",
                                         // "slow start" (static strings)
};

// The rate-limit headers of one upstream response, already picked out by the caller
// (header names: PROTOCOLS.md 1.9 for Anthropic, 2.5 for OpenAI). Empty = absent.
struct HeaderView {
  std::string_view retry_after;  // seconds, or an HTTP date (ignored)
  std::string_view retry_after_ms;
  // Anthropic: *-limit / *-remaining / *-reset (RFC 3339 timestamps). OpenAI: requests_* and
  // tokens_* (resets are Go durations). Either reset format is accepted in any field.
  // Token *-remaining values from Anthropic are rounded to the nearest thousand: input_ and
  // output_remaining always are, tokens_remaining is when the same view carries any input_ or
  // output_ header; the model then assumes the lowest value the rounding allows.
  std::string_view requests_limit, requests_remaining, requests_reset;
  std::string_view input_limit, input_remaining, input_reset;
  std::string_view output_limit, output_remaining, output_reset;
  std::string_view tokens_limit, tokens_remaining, tokens_reset;  // OpenAI's TPM; Anthropic's combined
};

// A point-in-time view, for GET /admin/limits and /metrics.
struct Snapshot {
  Limits declared;
  Limits learnt;
  Limits effective;              // what admission uses now (declared wins, then learnt)
  double requests_available = 0;  // bucket levels now (0 where the limit is unknown; may be
  double input_available = 0;     // negative after an under-estimate)
  double output_available = 0;
  double tokens_available = 0;    // the combined bucket (Policy::tokens_combined)
  std::int64_t in_flight = 0;
  std::int64_t slow_start_window = 0;     // concurrency allowed while limits are unknown; 0 = off
  std::optional<Clock::time_point> cooling_until;  // after a 429 / credit exhaustion
  std::string cooling_reason;
  std::int64_t admitted = 0;  // counters since start
  std::int64_t refused = 0;   // try_admit said "not now"
  std::int64_t settled = 0;
  std::int64_t released = 0;
  std::int64_t upstream_429s = 0;
};

class KeyBuckets {
 public:
  KeyBuckets(Limits declared, Policy policy, Clock::time_point now);
  ~KeyBuckets();
  KeyBuckets(const KeyBuckets&) = delete;
  KeyBuckets& operator=(const KeyBuckets&) = delete;

  // Admits when every known dimension has room now: reserves and returns a ticket. A request
  // bigger than a whole bucket is admitted when that bucket is full (it would otherwise wait
  // forever) and drives it negative, so later requests wait for the refill. Does not allocate.
  Admission try_admit(const Demand& demand, Clock::time_point now);

  // The request finished and the upstream reported usage: charge the real cost, give back what
  // was reserved beyond it (or take more: buckets may go negative, as the provider's meter
  // did), free the concurrency slot, widen the slow-start window by one.
  void settle(const Ticket& ticket, const Usage& actual, Clock::time_point now);
  // The request failed before the upstream counted it (connect error, 5xx): give it all back.
  void release(const Ticket& ticket, Clock::time_point now);
  // The upstream accepted a request (answered with its response headers, not a 429 or 5xx):
  // the slow-start window widens by one. Counted at the first byte, not at the end, so that
  // long streams open the window as fast as short replies do.
  void accepted(Clock::time_point now);

  // Learn from a response's headers: limits, remaining levels (the provider's truth corrects
  // the model; only ever downwards) and, with `rate_limited` (a 429), a cool-down until
  // retry-after-ms, else retry-after, else the exhausted bucket's reset, else
  // kDefaultCoolDown; the slow-start window halves. `wall` is the wall-clock time matching
  // `now`, used only to turn Anthropic's RFC 3339 resets into a delay.
  void observe(const HeaderView& headers, bool rate_limited, Clock::time_point now,
               WallClock::time_point wall = WallClock::now());
  // No request to this key until `until` (e.g. credit exhausted: longer than a rate limit).
  // An earlier `until` than a cool-down already running does not shorten it.
  void cool_down(Clock::time_point until, std::string reason);

  Snapshot snapshot(Clock::time_point now) const;

  // The config changed (a reload): new declared limits and policy. Levels keep what was used,
  // as a limit learnt from headers does (a higher limit adds the difference).
  void redeclare(Limits declared, Policy policy, Clock::time_point now);

 private:
  struct State;
  mutable std::mutex mutex_;
  std::unique_ptr<State> state_;
  std::atomic<bool> window_full_{false};  // the slow-start window is at its ceiling
};

// Parses Go-style durations ("1s", "6m0s", "12ms", "1h2m3s", "1.5s", also "us"/"µs"/"ns" and
// a bare "0") as OpenAI's x-ratelimit-reset-* send them, rounded up to whole milliseconds;
// nullopt when malformed, negative or out of range.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);

// Parses an RFC 3339 timestamp ("2025-01-12T23:11:59Z", fractional seconds and a numeric
// offset allowed) as Anthropic's *-reset headers send them, into seconds since the Unix epoch;
// nullopt when malformed.
std::optional<double> parse_rfc3339(std::string_view text);

}  // namespace spillway::ratelimit
