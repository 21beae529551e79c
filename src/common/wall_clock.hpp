#pragma once
// The wall clock as the wire formats and the audit write it: whole milliseconds or seconds since
// the Unix epoch. (Deadlines and durations use std::chrono::steady_clock instead.)
#include <chrono>
#include <cstdint>

namespace spillway {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace spillway
