#pragma once
// Who may send what, where, now: the gateway's side of issue 4. Holds the rate-limit buckets of
// every upstream key (src/ratelimit), and the queue of requests waiting for capacity. Shared by
// all workers (thread-safe); a waiting request suspends on its own worker's executor.
//
// A request asks with its candidates (the route's chain, then its overflow tier), its estimated
// cost, a deadline, a priority and who is asking. It is granted the first candidate, in chain
// order, whose buckets admit it now, on the key of that upstream that suits it best (the
// session's key while it has headroom, so the provider's prompt cache stays warm; else the key
// with most headroom). When none admits it waits, ordered by priority (interactive first) and
// fair between agents (the agent served least goes next), and never past its deadline. The
// overflow tier is used as soon as the chain cannot admit the request before its deadline.
// Internal to server/.
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/api_error.hpp"
#include "ratelimit/limiter.hpp"
#include "route/router.hpp"
#include "server/worker.hpp"

namespace spillway::server {

// Permission to send one request to one candidate with one key.
struct Grant {
  std::size_t candidate = 0;  // index into CapacityRequest::candidates
  std::size_t key = 0;        // index into the upstream's key pool (0 when it has no key)
  ratelimit::Ticket ticket;
  std::chrono::milliseconds queued{0};  // time spent waiting for it
};

struct CapacityRequest {
  std::vector<route::Candidate> candidates;  // the chain, then the overflow tier
  std::size_t overflow_from = 0;             // first index of the overflow tier (== size: none)
  ratelimit::Demand demand;
  ratelimit::Clock::time_point deadline;
  config::Priority priority = config::Priority::interactive;
  std::string agent;    // fairness between agents
  std::string session;  // key stickiness ("" = none)
  std::vector<bool> excluded;  // candidates that already failed this request (same size)
};

class Capacity {
 public:
  Capacity();
  ~Capacity();
  Capacity(const Capacity&) = delete;
  Capacity& operator=(const Capacity&) = delete;

  // Puts a config's upstreams in service (at start and on each reload): sets their state_slot
  // and key_slots. An upstream keeps its state (buckets, learnt limits, cool-downs, circuit) by
  // name, a key by its secret; new declared limits apply to the live buckets, keeping what was
  // used. Upstreams and keys no longer configured stay out of use. Throws, changing nothing,
  // when the state tables are full (after very many reloads that add names or keys).
  void adopt(std::vector<config::Upstream>& upstreams);

  // Resolves with a grant, or with the error to answer when the deadline passed first: a 429
  // (rate_limit) with a retry-after that says when capacity returns, or a 503 when every
  // candidate is out (failed for this request or cooling down after errors).
  asio::awaitable<std::variant<Grant, ApiError>> acquire(CapacityRequest& request);

  // The request ended: the upstream reported `usage` (or nothing: the ticket's estimate stands).
  void settle(const config::Upstream& upstream, const Grant& grant, const std::optional<ratelimit::Usage>& usage);
  // The request failed before the upstream counted it (connect error, 5xx, 429).
  void release(const config::Upstream& upstream, const Grant& grant);
  // A response's rate-limit headers; `rate_limited` for a 429.
  void observe(const config::Upstream& upstream, std::size_t key, const http::fields& headers, bool rate_limited);
  // The upstream took the request (its response headers came, not a 429 or 5xx): widens the
  // slow start of a key whose limits are still unknown.
  void accepted(const config::Upstream& upstream, std::size_t key);
  // The upstream failed a request (connect error, timeout, 5xx): counts towards its circuit
  // breaker, which takes it out after several in a row and lets one probe in later.
  void failed(const config::Upstream& upstream);
  // The provider says the key is out of credit or quota: out of use for much longer.
  void credit_exhausted(const config::Upstream& upstream, std::size_t key, std::string reason);

  // GET /admin/limits: every upstream key's limits, levels and state (never a secret).
  std::string admin_json() const;
  // Prometheus text: headroom per upstream key, queue depth, waits, 429s received and avoided.
  std::string prometheus() const;

 private:
  struct Waiter;
  struct KeyState;
  struct UpstreamState;

  // Under mutex_: tries waiters in order and grants what fits; returns when to look again.
  void pump_locked(ratelimit::Clock::time_point now);
  bool try_grant_locked(Waiter& w, ratelimit::Clock::time_point now, std::vector<ratelimit::Clock::time_point>& blocked,
                        ratelimit::Clock::time_point& retry_at);
  UpstreamState& state_of(const config::Upstream& upstream) const { return *upstreams_[upstream.state_slot]; }
  ratelimit::KeyBuckets& buckets_of(const config::Upstream& upstream, std::size_t key) const;

  mutable std::mutex mutex_;
  // By state slot (config::Upstream::state_slot). Only ever appended to, under mutex_, within
  // the capacity reserved at construction: workers index it without the lock.
  std::vector<std::unique_ptr<UpstreamState>> upstreams_;
  std::vector<std::shared_ptr<Waiter>> waiting_;
  std::atomic<std::size_t> waiting_count_{0};  // waiting_.size(), readable without the lock
  std::map<std::string, std::uint64_t> served_;  // per agent, while the queue is not empty
  // Pump scratch, per upstream: when the first waiter blocked on it could go, what the waiters
  // behind it add, and how fast the upstream's buckets refill.
  struct Ahead {
    double input = 0;
    double requests = 0;
  };
  struct Rates {
    bool known = false;
    double input_per_s = 0;
    double requests_per_s = 0;
  };
  Rates rates_of(std::size_t index, ratelimit::Clock::time_point now);
  void count_avoided_locked(Waiter& w);
  std::vector<ratelimit::Clock::time_point> blocked_;
  std::vector<Ahead> ahead_;
  std::vector<Rates> rates_;
  std::uint64_t next_seq_ = 0;
  ratelimit::Clock::time_point next_check_ = ratelimit::Clock::time_point::max();
  // Counters for /metrics.
  std::uint64_t queued_total_ = 0;
  std::uint64_t queue_timeouts_ = 0;
  std::uint64_t overflowed_ = 0;
  double queued_seconds_ = 0;
};

}  // namespace spillway::server
