#pragma once
// What the dashboard shows live, fed by the usage records of finished requests (server/account
// hands each one over, as it does to metrics and the audit sink): totals and per-minute counts
// per upstream since the gateway started, and the most recent requests. Thread-safe; every
// structure is bounded (a day of minutes, a fixed number of upstreams and recent requests).
// Never holds a request or response body, nor a provider key.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.hpp"
#include "dashboard/minute_ring.hpp"

namespace spillway::dashboard {

struct Totals {
  std::int64_t requests = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t errors = 0;
  std::int64_t queued = 0;
  std::int64_t overflowed = 0;
  double cost_usd = 0;
};

// One finished request as the recent-requests table shows it (strings cut to max_text).
struct RecentRequest {
  std::uint64_t seq = 0;  // 1, 2, ...: the order the gateway finished them in
  audit::Record record;   // bodies never kept
};

// A bounded count of things in progress.
class Slots {
 public:
  explicit Slots(int max) : max_(max) {}

  // One place, held until destroyed.
  class Held {
   public:
    explicit Held(Slots& slots) : slots_(slots) {}
    ~Held() { slots_.used_.fetch_sub(1); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    Slots& slots_;
  };
  // A place, or nullopt when all are taken.
  std::optional<Held> take();

  int used() const { return used_.load(); }
  int max() const { return max_; }

 private:
  const int max_;
  std::atomic<int> used_{0};
};

struct LiveOptions {
  std::size_t minutes = MinuteRing::day;  // per-minute history kept per upstream
  std::size_t recent = 500;               // recent requests kept
  std::size_t max_upstreams = 64;         // more distinct names fold into "other"
};

class Live {
 public:
  static constexpr std::size_t max_text = 256;  // longest string kept from a record
  static constexpr const char* no_upstream = "none";  // requests refused before any upstream

  // `upstreams`: the configured names, shown even before their first request.
  explicit Live(const std::vector<std::string>& upstreams, std::int64_t started_ms, LiveOptions options = {});

  void observe(const audit::Record& record);

  // GET /admin/stats: totals, per-upstream totals and the per-minute series of the `minutes`
  // minutes ending with now's, plus `limits_json` (Capacity::admin_json(), spliced in as
  // "limits") and the number of event streams open.
  std::string stats_json(std::int64_t now_ms, std::size_t minutes, const std::string& limits_json) const;
  // GET /admin/recent: the newest `limit` requests, newest first; only those with seq > after.
  std::string recent_json(std::size_t limit, std::uint64_t after = 0) const;

  // The live event streams (/admin/events) open now, and the history reports being built: each
  // bounded, so a page left open in many tabs cannot take a worker's time.
  Slots streams{16};
  Slots history{2};

  std::size_t minutes_kept() const { return options_.minutes; }
  std::size_t recent_kept() const { return options_.recent; }

 private:
  struct Upstream {
    std::string name;
    Totals totals;
    MinuteRing minutes;
  };
  Upstream& upstream_locked(std::string_view name);

  LiveOptions options_;
  std::int64_t started_ms_;
  mutable std::mutex mutex_;
  std::deque<Upstream> upstreams_;  // deque: references stay valid as it grows
  std::deque<RecentRequest> recent_;
  std::uint64_t seq_ = 0;
};

}  // namespace spillway::dashboard
