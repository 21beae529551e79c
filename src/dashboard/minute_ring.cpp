#include "dashboard/minute_ring.hpp"

#include <algorithm>

namespace spillway::dashboard {

MinuteRing::MinuteRing(std::size_t minutes) : slots_(std::max<std::size_t>(minutes, 1)) {}

MinuteCounts* MinuteRing::at(std::int64_t minute) {
  const auto size = static_cast<std::int64_t>(slots_.size());
  if (minute < 0 || (latest_ >= 0 && minute <= latest_ - size)) {
    return nullptr;
  }
  auto& slot = slots_[index_of(minute)];
  if (slot.minute != minute) {
    if (slot.minute > minute) {
      return nullptr;  // the slot already holds a newer minute
    }
    slot = Slot{minute, {}};
  }
  latest_ = std::max(latest_, minute);
  return &slot.counts;
}

std::vector<MinuteCounts> MinuteRing::window(std::int64_t last_minute, std::size_t count) const {
  std::vector<MinuteCounts> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t minute = last_minute - static_cast<std::int64_t>(count - 1 - i);
    if (minute < 0) {
      continue;
    }
    const auto& slot = slots_[index_of(minute)];
    if (slot.minute == minute) {
      out[i] = slot.counts;
    }
  }
  return out;
}

}  // namespace spillway::dashboard
