#include "server/capacity.hpp"

#include <algorithm>
#include <cmath>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"

namespace spillway::server {

using ratelimit::Clock;

namespace {

constexpr std::size_t max_sticky_sessions = 10'000;  // per upstream; the oldest is forgotten
// State tables are append-only so that workers can read them without a lock while a reload
// adds to them; their size is fixed up front. A restart starts them afresh.
constexpr std::size_t max_upstream_slots = 1024;
constexpr std::size_t max_key_slots = 256;  // per upstream name, keys rotated in included

// Circuit breaker: this many failures in a row (connect errors, timeouts, 5xx) take an upstream
// out for a while; then one request probes it, and its outcome closes the circuit or opens it
// again for twice as long.
constexpr int breaker_threshold = 5;
constexpr std::chrono::seconds breaker_first_open{5};
constexpr std::chrono::seconds breaker_longest_open{120};

ratelimit::Limits limits_of(const config::RateLimits& l) {
  ratelimit::Limits out;
  out.rpm = static_cast<std::int64_t>(l.rpm);
  out.itpm = static_cast<std::int64_t>(l.itpm);
  out.otpm = static_cast<std::int64_t>(l.otpm);
  out.tpm = static_cast<std::int64_t>(l.tpm);
  out.max_concurrency = static_cast<std::int64_t>(l.max_concurrency);
  return out;
}

ratelimit::Policy policy_of(const config::Upstream& u) {
  ratelimit::Policy p;
  p.output = u.output_reservation == config::OutputReservation::generated ? ratelimit::OutputReservation::generated
                                                                           : ratelimit::OutputReservation::max_tokens;
  p.cache_reads = u.cache_reads == config::CacheReads::free ? ratelimit::CacheReads::free : ratelimit::CacheReads::counted;
  // OpenAI meters input and output tokens together; so may a declared `tpm` anywhere.
  p.tokens_combined = u.limits.tpm != 0 || (u.kind == Dialect::openai && u.limits.itpm == 0 && u.limits.otpm == 0);
  p.predictive = u.predict;
  return p;
}

// The rate-limit headers of a response, picked out in one pass over its fields (a lookup per
// name cost more than the rest of the bookkeeping). Names are compared lower-case, as HTTP/1.1
// servers send them; Beast keeps them as received.
ratelimit::HeaderView header_view(Dialect kind, const http::fields& h) {
  ratelimit::HeaderView v;
  const std::string_view prefix = kind == Dialect::anthropic ? "anthropic-ratelimit-" : "x-ratelimit-";
  for (const auto& f : h) {
    std::string_view name = f.name_string();
    const std::string_view value = f.value();
    if (name.size() < 11) {
      continue;
    }
    if (beast::iequals(name, "retry-after")) {
      v.retry_after = value;
    } else if (beast::iequals(name, "retry-after-ms")) {
      v.retry_after_ms = value;
    } else if (name.size() > prefix.size() && beast::iequals(name.substr(0, prefix.size()), prefix)) {
      name.remove_prefix(prefix.size());
      std::string lower(name);
      for (char& c : lower) {
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      }
      if (kind == Dialect::anthropic) {
        static const std::pair<std::string_view, std::string_view ratelimit::HeaderView::*> names[] = {
            {"requests-limit", &ratelimit::HeaderView::requests_limit},
            {"requests-remaining", &ratelimit::HeaderView::requests_remaining},
            {"requests-reset", &ratelimit::HeaderView::requests_reset},
            {"input-tokens-limit", &ratelimit::HeaderView::input_limit},
            {"input-tokens-remaining", &ratelimit::HeaderView::input_remaining},
            {"input-tokens-reset", &ratelimit::HeaderView::input_reset},
            {"output-tokens-limit", &ratelimit::HeaderView::output_limit},
            {"output-tokens-remaining", &ratelimit::HeaderView::output_remaining},
            {"output-tokens-reset", &ratelimit::HeaderView::output_reset},
            {"tokens-limit", &ratelimit::HeaderView::tokens_limit},
            {"tokens-remaining", &ratelimit::HeaderView::tokens_remaining},
            {"tokens-reset", &ratelimit::HeaderView::tokens_reset}};
        for (const auto& [n, member] : names) {
          if (lower == n) {
            v.*member = value;
          }
        }
      } else {
        static const std::pair<std::string_view, std::string_view ratelimit::HeaderView::*> names[] = {
            {"limit-requests", &ratelimit::HeaderView::requests_limit},
            {"remaining-requests", &ratelimit::HeaderView::requests_remaining},
            {"reset-requests", &ratelimit::HeaderView::requests_reset},
            {"limit-tokens", &ratelimit::HeaderView::tokens_limit},
            {"remaining-tokens", &ratelimit::HeaderView::tokens_remaining},
            {"reset-tokens", &ratelimit::HeaderView::tokens_reset}};
        for (const auto& [n, member] : names) {
          if (lower == n) {
            v.*member = value;
          }
        }
      }
    }
  }
  return v;
}

bool ranks_before(config::Priority a, config::Priority b) {
  return a == config::Priority::interactive && b == config::Priority::background;
}

}  // namespace

struct Capacity::KeyState {
  std::unique_ptr<ratelimit::KeyBuckets> buckets;
  std::string source;  // "env NAME", "file PATH" or "none": safe to show
  std::string secret;  // identifies the key across reloads; never shown
  bool active = true;  // in the config in force
};

struct Capacity::UpstreamState {
  std::string name;
  Dialect kind = Dialect::openai;
  bool present = true;  // in the config in force
  // Every key this upstream name has had (a keyless upstream has one, anonymous); append-only,
  // see upstreams_. Config::Upstream::key_slots says which are in force.
  std::vector<KeyState> keys;
  std::map<std::string, std::size_t> sticky;  // session -> key slot
  std::deque<std::string> sticky_order;       // oldest first, for forgetting
  std::uint64_t received_429 = 0;
  std::uint64_t avoided = 0;  // requests the model held back instead of sending into a 429

  // Circuit breaker (see breaker_threshold).
  enum class Circuit { closed, open, probing };
  // Changed under the queue's lock; atomic so that a healthy upstream's success can be noted
  // without taking it.
  std::atomic<Circuit> circuit{Circuit::closed};
  std::atomic<int> failures_in_a_row{0};
  std::chrono::seconds open_for = breaker_first_open;
  Clock::time_point open_until{};
  std::uint64_t trips = 0;

  void stick(const std::string& session, std::size_t key) {
    if (session.empty()) {
      return;
    }
    auto [it, inserted] = sticky.insert_or_assign(session, key);
    if (inserted) {
      sticky_order.push_back(session);
      if (sticky_order.size() > max_sticky_sessions) {
        sticky.erase(sticky_order.front());
        sticky_order.pop_front();
      }
    }
  }
};

struct Capacity::Waiter {
  CapacityRequest* request = nullptr;
  std::optional<asio::steady_timer> timer;  // on the waiting request's worker; none while probing
  std::optional<Grant> grant;
  Clock::time_point since;
  Clock::time_point retry_at = Clock::time_point::max();  // when its chain could admit it
  std::uint64_t seq = 0;
  bool avoided_counted = false;  // counted once as a 429 avoided, however it ends
};

Capacity::Capacity() { upstreams_.reserve(max_upstream_slots); }

Capacity::~Capacity() = default;

void Capacity::adopt(std::vector<config::Upstream>& upstreams) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto slot_named = [this](const std::string& name) {
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      if (upstreams_[i]->name == name) {
        return i;
      }
    }
    return upstreams_.size();
  };
  auto secret_of = [](const config::Upstream& u, std::size_t k) {
    return k < u.keys.size() ? u.keys[k].secret : std::string();
  };
  // Room first, so that a refusal changes nothing.
  std::size_t new_names = 0;
  for (const auto& u : upstreams) {
    const auto slot = slot_named(u.name);
    if (slot == upstreams_.size()) {
      ++new_names;
      continue;
    }
    std::size_t new_keys = 0;
    for (std::size_t k = 0; k < std::max<std::size_t>(1, u.keys.size()); ++k) {
      const auto& keys = upstreams_[slot]->keys;
      const auto secret = secret_of(u, k);
      new_keys += std::none_of(keys.begin(), keys.end(), [&](const KeyState& s) { return s.secret == secret; });
    }
    if (upstreams_[slot]->keys.size() + new_keys > max_key_slots) {
      throw std::runtime_error("upstream '" + u.name + "' has had more than " + std::to_string(max_key_slots) +
                               " keys since the gateway started; restart it to take more");
    }
  }
  if (upstreams_.size() + new_names > max_upstream_slots) {
    throw std::runtime_error("more than " + std::to_string(max_upstream_slots) +
                             " upstream names since the gateway started; restart it to take more");
  }

  for (auto& state : upstreams_) {
    state->present = false;
  }
  for (auto& u : upstreams) {
    auto slot = slot_named(u.name);
    if (slot == upstreams_.size()) {
      auto state = std::make_unique<UpstreamState>();
      state->name = u.name;
      state->keys.reserve(max_key_slots);
      upstreams_.push_back(std::move(state));
    }
    UpstreamState& state = *upstreams_[slot];
    state.present = true;
    state.kind = u.kind;
    for (auto& key : state.keys) {
      key.active = false;
    }
    u.state_slot = slot;
    u.key_slots.clear();
    const auto limits = limits_of(u.limits);
    const auto policy = policy_of(u);
    for (std::size_t k = 0; k < std::max<std::size_t>(1, u.keys.size()); ++k) {
      const auto secret = secret_of(u, k);
      auto it = std::find_if(state.keys.begin(), state.keys.end(),
                             [&](const KeyState& s) { return !s.active && s.secret == secret; });
      if (it == state.keys.end()) {
        KeyState fresh;
        fresh.buckets = std::make_unique<ratelimit::KeyBuckets>(limits, policy, now);
        fresh.secret = secret;
        state.keys.push_back(std::move(fresh));
        it = std::prev(state.keys.end());
      } else {
        it->buckets->redeclare(limits, policy, now);
      }
      it->active = true;
      it->source = k < u.keys.size() ? u.keys[k].source : "none";
      u.key_slots.push_back(static_cast<std::size_t>(it - state.keys.begin()));
    }
  }
}

ratelimit::KeyBuckets& Capacity::buckets_of(const config::Upstream& upstream, std::size_t key) const {
  return *state_of(upstream).keys[upstream.key_slots[key]].buckets;
}

bool Capacity::try_grant_locked(Waiter& w, Clock::time_point now, std::vector<Clock::time_point>& blocked,
                                Clock::time_point& retry_at) {
  CapacityRequest& req = *w.request;
  bool reactive_refusal = false;
  // One tier at a time: the chain, then (when the chain cannot make it in time) the overflow.
  auto try_tier = [&](std::size_t from, std::size_t to, Clock::time_point& tier_retry) {
    for (std::size_t i = from; i < to; ++i) {
      if (req.excluded[i]) {
        continue;
      }
      const config::Upstream& u = *req.candidates[i].upstream;
      const auto index = u.state_slot;
      if (blocked[index] != Clock::time_point::max()) {
        // A request ranked higher waits for this upstream: nobody overtakes it there. It can go
        // once the buckets have refilled for everyone queued ahead of it too, which decides
        // whether waiting can beat the deadline or the overflow tier should take it now.
        Ahead& ahead = ahead_[index];
        const Rates rates = rates_of(index, now);
        double wait_s = 0;
        if (rates.input_per_s > 0) {
          wait_s = std::max(wait_s, (ahead.input + static_cast<double>(req.demand.input_tokens)) / rates.input_per_s);
        }
        if (rates.requests_per_s > 0) {
          wait_s = std::max(wait_s, (ahead.requests + 1) / rates.requests_per_s);
        }
        tier_retry = std::min(tier_retry, blocked[index] + std::chrono::duration_cast<Clock::duration>(
                                                              std::chrono::duration<double>(wait_s)));
        ahead.input += static_cast<double>(req.demand.input_tokens);
        ahead.requests += 1;
        continue;
      }
      UpstreamState& state = *upstreams_[index];
      if (state.circuit == UpstreamState::Circuit::open && now >= state.open_until) {
        state.circuit = UpstreamState::Circuit::probing;  // this request is the probe
      } else if (state.circuit != UpstreamState::Circuit::closed) {
        // Out (open) or being probed by another request: ask again when that can change.
        const auto again = state.circuit == UpstreamState::Circuit::open ? state.open_until : now + ratelimit::kRecheckInterval;
        tier_retry = std::min(tier_retry, again);
        continue;
      }
      // The session's key first while it has headroom, then the others by input headroom.
      // Keys are numbered as in the candidate's config (u.keys); their state by key slot.
      const std::size_t key_count = u.key_slots.size();
      std::vector<std::size_t> order;
      order.reserve(key_count);
      if (auto it = state.sticky.find(req.session); it != state.sticky.end()) {
        for (std::size_t k = 0; k < key_count; ++k) {
          if (u.key_slots[k] == it->second) {
            order.push_back(k);
          }
        }
      }
      if (key_count > 1) {
        std::vector<std::pair<double, std::size_t>> by_headroom;
        for (std::size_t k = 0; k < key_count; ++k) {
          if (order.empty() || order.front() != k) {
            const auto snap = state.keys[u.key_slots[k]].buckets->snapshot(now);
            by_headroom.emplace_back(-(snap.input_available + snap.tokens_available), k);
          }
        }
        std::sort(by_headroom.begin(), by_headroom.end());
        for (const auto& [headroom, k] : by_headroom) {
          order.push_back(k);
        }
      } else if (order.empty()) {
        order.push_back(0);
      }
      Clock::time_point upstream_retry = Clock::time_point::max();
      for (std::size_t k : order) {
        auto admission = state.keys[u.key_slots[k]].buckets->try_admit(req.demand, now);
        if (admission.ticket) {
          w.grant = Grant{i, k, *admission.ticket,
                          std::chrono::duration_cast<std::chrono::milliseconds>(now - w.since)};
          if (key_count > 1) {
            state.stick(req.session, u.key_slots[k]);
          }
          return true;
        }
        upstream_retry = std::min(upstream_retry, admission.retry_at);
      }
      if (!u.predict && from < req.overflow_from) {
        reactive_refusal = true;  // a reactive gateway fails over at once instead of waiting
      }
      if (state.circuit == UpstreamState::Circuit::probing) {
        // The probe could not even be admitted: the next request may try.
        state.circuit = UpstreamState::Circuit::open;
      }
      blocked[index] = std::max(upstream_retry, now);
      tier_retry = std::min(tier_retry, upstream_retry);
    }
    return false;
  };
  Clock::time_point chain_retry = Clock::time_point::max();
  if (try_tier(0, req.overflow_from, chain_retry)) {
    return true;
  }
  retry_at = chain_retry;
  if (req.overflow_from < req.candidates.size() && (chain_retry > req.deadline || reactive_refusal)) {
    Clock::time_point overflow_retry = Clock::time_point::max();
    if (try_tier(req.overflow_from, req.candidates.size(), overflow_retry)) {
      ++overflowed_;
      count_avoided_locked(w);
      return true;
    }
    retry_at = std::min(retry_at, overflow_retry);
  }
  return false;
}

// A request held back from its chain (queued, or sent to the overflow tier) is a 429 the chain's
// upstreams would have answered.
void Capacity::count_avoided_locked(Waiter& w) {
  if (w.avoided_counted) {
    return;
  }
  w.avoided_counted = true;
  const CapacityRequest& req = *w.request;
  for (std::size_t i = 0; i < req.overflow_from; ++i) {
    if (!req.excluded[i]) {
      ++state_of(*req.candidates[i].upstream).avoided;
    }
  }
}

Capacity::Rates Capacity::rates_of(std::size_t index, Clock::time_point now) {
  Rates& r = rates_[index];
  if (!r.known) {
    // All keys of the pool together; per second.
    for (const auto& key : upstreams_[index]->keys) {
      if (!key.active) {
        continue;
      }
      const auto s = key.buckets->snapshot(now);
      r.input_per_s += static_cast<double>(s.effective.itpm > 0 ? s.effective.itpm : s.effective.tpm) / 60.0;
      r.requests_per_s += static_cast<double>(s.effective.rpm) / 60.0;
    }
    r.known = true;
  }
  return r;
}

void Capacity::pump_locked(Clock::time_point now) {
  std::stable_sort(waiting_.begin(), waiting_.end(), [this](const auto& a, const auto& b) {
    if (a->request->priority != b->request->priority) {
      return ranks_before(a->request->priority, b->request->priority);
    }
    const auto sa = served_[a->request->agent];
    const auto sb = served_[b->request->agent];
    return sa != sb ? sa < sb : a->seq < b->seq;
  });
  std::vector<Clock::time_point>& blocked = blocked_;
  blocked.assign(upstreams_.size(), Clock::time_point::max());
  ahead_.assign(upstreams_.size(), Ahead{});
  rates_.assign(upstreams_.size(), Rates{});
  next_check_ = Clock::time_point::max();
  for (auto& w : waiting_) {
    Clock::time_point retry_at = Clock::time_point::max();
    if (try_grant_locked(*w, now, blocked, retry_at)) {
      ++served_[w->request->agent];
      if (w->grant->queued.count() > 0) {
        queued_seconds_ += std::chrono::duration<double>(w->grant->queued).count();
      }
      // Wake it on its own worker (timers are not thread-safe).
      asio::post(w->timer->get_executor(), [w] { w->timer->cancel(); });
      continue;
    }
    w->retry_at = retry_at;
    next_check_ = std::min(next_check_, retry_at);
  }
  std::erase_if(waiting_, [](const auto& w) { return w->grant.has_value(); });
  if (waiting_.empty()) {
    served_.clear();
  }
  waiting_count_.store(waiting_.size(), std::memory_order_release);
}

asio::awaitable<std::variant<Grant, ApiError>> Capacity::acquire(CapacityRequest& request) {
  request.excluded.resize(request.candidates.size(), false);
  if (std::all_of(request.excluded.begin(), request.excluded.end(), [](bool b) { return b; })) {
    co_return make_error(ErrorKind::overloaded, "every upstream of this route failed", ErrorSource::gateway);
  }
  const auto now = Clock::now();
  {
    // Nobody waiting: this request cannot overtake anyone, so it just asks (no allocation).
    std::lock_guard lock(mutex_);
    if (waiting_.empty()) {
      Waiter probe;
      probe.request = &request;
      probe.since = now;
      blocked_.assign(upstreams_.size(), Clock::time_point::max());
      ahead_.assign(upstreams_.size(), Ahead{});
      rates_.assign(upstreams_.size(), Rates{});
      Clock::time_point retry_at = Clock::time_point::max();
      if (try_grant_locked(probe, now, blocked_, retry_at)) {
        co_return *probe.grant;
      }
    }
  }
  auto w = std::make_shared<Waiter>();
  w->timer.emplace(co_await asio::this_coro::executor);
  w->request = &request;
  w->since = now;
  {
    std::lock_guard lock(mutex_);
    w->seq = next_seq_++;
    waiting_.push_back(w);
    waiting_count_.store(waiting_.size(), std::memory_order_release);
    pump_locked(Clock::now());
    if (w->grant) {
      co_return *w->grant;
    }
    ++queued_total_;
    count_avoided_locked(*w);
  }
  for (;;) {
    Clock::time_point wake;
    {
      std::lock_guard lock(mutex_);
      if (w->grant) {
        co_return *w->grant;
      }
      wake = std::min(request.deadline, next_check_);
    }
    w->timer->expires_at(wake);
    co_await w->timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    if (w->grant) {
      co_return *w->grant;
    }
    const auto now = Clock::now();
    pump_locked(now);
    if (w->grant) {
      co_return *w->grant;
    }
    if (now >= request.deadline) {
      std::erase(waiting_, w);
      if (waiting_.empty()) {
        served_.clear();
      }
      waiting_count_.store(waiting_.size(), std::memory_order_release);
      ++queue_timeouts_;
      // The truth: when the chain could take it, as the buckets see it now.
      const auto wait = w->retry_at == Clock::time_point::max() ? std::chrono::seconds(1)
                                                                : std::chrono::ceil<std::chrono::seconds>(w->retry_at - now);
      auto error = make_error(ErrorKind::rate_limit,
                              "no upstream of this route has capacity for this request within its wait limit; "
                              "try again in " + std::to_string(std::max<std::int64_t>(1, wait.count())) + " s",
                              ErrorSource::gateway);
      error.retry_after_s = static_cast<int>(std::max<std::int64_t>(1, wait.count()));
      co_return error;
    }
  }
}

void Capacity::settle(const config::Upstream& upstream, const Grant& grant, const std::optional<ratelimit::Usage>& usage) {
  const auto now = Clock::now();
  auto& buckets = buckets_of(upstream, grant.key);
  if (usage) {
    buckets.settle(grant.ticket, *usage, now);
  } else {
    // No usage reported: the estimate is the best there is.
    ratelimit::Usage estimate;
    estimate.input_tokens = grant.ticket.input_tokens;
    estimate.output_tokens = grant.ticket.output_tokens;
    buckets.settle(grant.ticket, estimate, now);
  }
  if (waiting_count_.load(std::memory_order_acquire) == 0) {
    return;  // nobody to wake: no need for the queue's lock
  }
  std::lock_guard lock(mutex_);
  if (!waiting_.empty()) {
    pump_locked(now);
  }
}

void Capacity::release(const config::Upstream& upstream, const Grant& grant) {
  const auto now = Clock::now();
  buckets_of(upstream, grant.key).release(grant.ticket, now);
  if (waiting_count_.load(std::memory_order_acquire) == 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (!waiting_.empty()) {
    pump_locked(now);
  }
}

void Capacity::observe(const config::Upstream& upstream, std::size_t key, const http::fields& headers,
                       bool rate_limited) {
  auto& state = state_of(upstream);
  const auto view = header_view(upstream.kind, headers);
  const bool says_something = !view.retry_after.empty() || !view.retry_after_ms.empty() || !view.requests_limit.empty() ||
                              !view.requests_remaining.empty() || !view.input_limit.empty() ||
                              !view.input_remaining.empty() || !view.output_limit.empty() ||
                              !view.output_remaining.empty() || !view.tokens_limit.empty() ||
                              !view.tokens_remaining.empty();
  if (!says_something && !rate_limited) {
    return;  // a server that sends no rate-limit headers (a local one) teaches nothing
  }
  buckets_of(upstream, key).observe(view, rate_limited, Clock::now());
  if (rate_limited) {
    std::lock_guard lock(mutex_);
    ++state.received_429;
  }
}

void Capacity::accepted(const config::Upstream& upstream, std::size_t key) {
  auto& state = state_of(upstream);
  buckets_of(upstream, key).accepted(Clock::now());
  if (state.failures_in_a_row.load(std::memory_order_relaxed) == 0 &&
      state.circuit.load(std::memory_order_relaxed) == UpstreamState::Circuit::closed &&
      waiting_count_.load(std::memory_order_acquire) == 0) {
    return;  // the common case: nothing to change, nobody to wake
  }
  std::lock_guard lock(mutex_);
  if (state.circuit != UpstreamState::Circuit::closed) {
    log::info("upstream '" + upstream.name + "' answers again: circuit closed");
  }
  state.circuit = UpstreamState::Circuit::closed;
  state.failures_in_a_row = 0;
  state.open_for = breaker_first_open;
  if (!waiting_.empty()) {
    pump_locked(Clock::now());
  }
}

void Capacity::failed(const config::Upstream& upstream) {
  auto& state = state_of(upstream);
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  ++state.failures_in_a_row;
  if (state.circuit == UpstreamState::Circuit::probing) {
    state.open_for = std::min(state.open_for * 2, std::chrono::duration_cast<std::chrono::seconds>(breaker_longest_open));
  } else if (state.circuit != UpstreamState::Circuit::closed || state.failures_in_a_row < breaker_threshold) {
    return;
  }
  state.circuit = UpstreamState::Circuit::open;
  state.open_until = now + state.open_for;
  ++state.trips;
  log::warn("upstream '" + upstream.name + "' failed " + std::to_string(state.failures_in_a_row) +
            " times in a row: circuit open for " + std::to_string(state.open_for.count()) + " s, then one probe");
  if (!waiting_.empty()) {
    pump_locked(now);
  }
}

void Capacity::credit_exhausted(const config::Upstream& upstream, std::size_t key, std::string reason) {
  // Credit comes back when someone pays, not in a minute: keep the key out for a while.
  buckets_of(upstream, key).cool_down(Clock::now() + std::chrono::minutes(10), std::move(reason));
}

std::string Capacity::admin_json() const {
  namespace json = boost::json;
  const auto now = Clock::now();
  auto limits_json = [](const ratelimit::Limits& l) {
    return json::object{{"rpm", l.rpm}, {"itpm", l.itpm}, {"otpm", l.otpm}, {"tpm", l.tpm},
                        {"max_concurrency", l.max_concurrency}};
  };
  json::array ups;
  std::lock_guard lock(mutex_);
  for (const auto& state : upstreams_) {
    if (!state->present) {
      continue;
    }
    json::array keys;
    for (const auto& k : state->keys) {
      if (!k.active) {
        continue;
      }
      const auto s = k.buckets->snapshot(now);
      json::object key{{"source", k.source},
                       {"declared", limits_json(s.declared)},
                       {"learnt", limits_json(s.learnt)},
                       {"effective", limits_json(s.effective)},
                       {"available",
                        {{"requests", s.requests_available},
                         {"input_tokens", s.input_available},
                         {"output_tokens", s.output_available},
                         {"tokens", s.tokens_available}}},
                       {"in_flight", s.in_flight},
                       {"slow_start_window", s.slow_start_window},
                       {"admitted", s.admitted},
                       {"refused", s.refused},
                       {"upstream_429s", s.upstream_429s}};
      if (s.cooling_until && *s.cooling_until > now) {
        key["cooling_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(*s.cooling_until - now).count();
        key["cooling_reason"] = s.cooling_reason;
      }
      keys.push_back(std::move(key));
    }
    const auto& st = *state;
    const auto circuit = st.circuit.load();
    json::object up{{"upstream", st.name},
                    {"kind", st.kind == Dialect::anthropic ? "anthropic" : "openai"},
                    {"keys", std::move(keys)},
                    {"received_429s", st.received_429},
                    {"avoided", st.avoided},
                    {"circuit", circuit == UpstreamState::Circuit::closed ? "closed"
                                : circuit == UpstreamState::Circuit::open ? "open"
                                                                          : "probing"},
                    {"failures_in_a_row", st.failures_in_a_row.load()},
                    {"circuit_trips", st.trips}};
    if (circuit == UpstreamState::Circuit::open && st.open_until > now) {
      up["circuit_open_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(st.open_until - now).count();
    }
    ups.push_back(std::move(up));
  }
  json::object out{{"upstreams", std::move(ups)},
                   {"queue",
                    {{"waiting", waiting_.size()},
                     {"queued_total", queued_total_},
                     {"wait_seconds_total", queued_seconds_},
                     {"timed_out", queue_timeouts_},
                     {"overflowed", overflowed_}}}};
  return json::serialize(out);
}

std::string Capacity::prometheus() const {
  const auto now = Clock::now();
  std::string out;
  auto line = [&](std::string_view name, std::string_view labels, double value) {
    out += "spillway_";
    out += name;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  std::lock_guard lock(mutex_);
  out += "# HELP spillway_upstream_available Capacity left in an upstream key's bucket now (-1: no limit known).\n"
         "# TYPE spillway_upstream_available gauge\n"
         "# HELP spillway_upstream_limit An upstream key's limit per minute (concurrency: at once), declared or learnt.\n"
         "# TYPE spillway_upstream_limit gauge\n";
  for (const auto& state : upstreams_) {
    if (!state->present) {
      continue;
    }
    const auto& name = state->name;
    for (std::size_t k = 0; k < state->keys.size(); ++k) {
      if (!state->keys[k].active) {
        continue;  // a key rotated out: its series ends
      }
      const auto s = state->keys[k].buckets->snapshot(now);
      const std::string base = "upstream=\"" + name + "\",key=\"" + std::to_string(k) + "\"";
      line("upstream_available", base + ",kind=\"requests\"", s.effective.rpm ? s.requests_available : -1);
      line("upstream_available", base + ",kind=\"input_tokens\"", s.effective.itpm ? s.input_available : -1);
      line("upstream_available", base + ",kind=\"output_tokens\"", s.effective.otpm ? s.output_available : -1);
      line("upstream_available", base + ",kind=\"tokens\"", s.effective.tpm ? s.tokens_available : -1);
      line("upstream_in_flight", base, static_cast<double>(s.in_flight));
      // The limits in force, and where they come from: declared in the config or learnt.
      auto limit = [&](std::string_view kind, std::int64_t declared, std::int64_t learnt) {
        if (declared > 0 || learnt > 0) {
          line("upstream_limit", base + ",kind=\"" + std::string(kind) + "\",source=\"" + (declared > 0 ? "declared" : "learnt") + "\"",
               static_cast<double>(declared > 0 ? declared : learnt));
        }
      };
      limit("rpm", s.declared.rpm, s.learnt.rpm);
      limit("itpm", s.declared.itpm, s.learnt.itpm);
      limit("otpm", s.declared.otpm, s.learnt.otpm);
      limit("tpm", s.declared.tpm, s.learnt.tpm);
      limit("max_concurrency", s.declared.max_concurrency, s.learnt.max_concurrency);
    }
  }
  out += "# HELP spillway_upstream_429s_total 429 answers received from an upstream.\n"
         "# TYPE spillway_upstream_429s_total counter\n";
  for (const auto& state : upstreams_) {
    if (state->present) {
      line("upstream_429s_total", "upstream=\"" + state->name + "\"", static_cast<double>(state->received_429));
    }
  }
  out += "# HELP spillway_upstream_429s_avoided_total Requests held back (queued or sent elsewhere) because an "
         "upstream's buckets could not take them.\n# TYPE spillway_upstream_429s_avoided_total counter\n";
  for (const auto& state : upstreams_) {
    if (state->present) {
      line("upstream_429s_avoided_total", "upstream=\"" + state->name + "\"", static_cast<double>(state->avoided));
    }
  }
  out += "# HELP spillway_upstream_circuit_open Whether an upstream is taken out by its circuit breaker (1) or not (0).\n"
         "# TYPE spillway_upstream_circuit_open gauge\n";
  for (const auto& state : upstreams_) {
    if (state->present) {
      line("upstream_circuit_open", "upstream=\"" + state->name + "\"",
           state->circuit == UpstreamState::Circuit::closed ? 0 : 1);
    }
  }
  out += "# HELP spillway_queue_waiting Requests waiting for capacity now.\n# TYPE spillway_queue_waiting gauge\n";
  line("queue_waiting", "", static_cast<double>(waiting_.size()));
  out += "# HELP spillway_queued_total Requests that had to wait for capacity.\n# TYPE spillway_queued_total counter\n";
  line("queued_total", "", static_cast<double>(queued_total_));
  out += "# HELP spillway_queue_wait_seconds_total Time granted requests spent waiting.\n"
         "# TYPE spillway_queue_wait_seconds_total counter\n";
  line("queue_wait_seconds_total", "", queued_seconds_);
  out += "# HELP spillway_queue_timeouts_total Requests whose wait limit passed before capacity came.\n"
         "# TYPE spillway_queue_timeouts_total counter\n";
  line("queue_timeouts_total", "", static_cast<double>(queue_timeouts_));
  out += "# HELP spillway_overflowed_total Requests sent to a route's overflow tier.\n"
         "# TYPE spillway_overflowed_total counter\n";
  line("overflowed_total", "", static_cast<double>(overflowed_));
  return out;
}

}  // namespace spillway::server
