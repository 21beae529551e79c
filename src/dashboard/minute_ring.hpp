#pragma once
// Per-minute counts of one upstream over the last day, for the dashboard's live charts: a fixed
// ring of slots indexed by the minute (UTC) a request started, as `spillway audit` counts it,
// so the two agree. Bounded: a day's minutes and no more, whatever the traffic. Not
// thread-safe on its own (Live holds the lock).
#include <cstdint>
#include <vector>

namespace spillway::dashboard {

struct MinuteCounts {
  std::int64_t requests = 0;
  std::int64_t input_tokens = 0;   // excludes cache reads and writes, as in the audit
  std::int64_t output_tokens = 0;
  std::int64_t cache_tokens = 0;   // cache reads and writes
  std::int64_t errors = 0;         // status >= 400 sent, or none (the client went away)
  std::int64_t queued = 0;         // requests that waited for capacity
  std::int64_t queued_ms = 0;      // how long they waited, summed
  std::int64_t overflowed = 0;     // served by a route's overflow tier
  std::int64_t upstream_429s = 0;  // 429s this upstream answered (to any request)
  double cost_usd = 0;
  bool operator==(const MinuteCounts&) const = default;
};

class MinuteRing {
 public:
  static constexpr std::size_t day = 24 * 60;
  explicit MinuteRing(std::size_t minutes = day);

  // The counts of `minute` (Unix minutes), cleared first when its slot held an older minute;
  // nullptr when the minute is already older than the ring holds.
  MinuteCounts* at(std::int64_t minute);
  // `count` minutes ending with `last_minute` (oldest first); minutes nothing was counted in,
  // or older than the ring holds, are zero.
  std::vector<MinuteCounts> window(std::int64_t last_minute, std::size_t count) const;
  std::size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    std::int64_t minute = -1;
    MinuteCounts counts;
  };
  std::vector<Slot> slots_;
  std::int64_t latest_ = -1;  // the newest minute counted
  std::size_t index_of(std::int64_t minute) const {
    return static_cast<std::size_t>(minute % static_cast<std::int64_t>(slots_.size()));
  }
};

}  // namespace spillway::dashboard
