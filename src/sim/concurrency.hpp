#pragma once
// A fixed number of generation slots, as a local inference server (vLLM, llama.cpp) has: a
// request beyond them waits, first come first served, until one frees. Shared by every worker
// thread; a waiter suspends on its own worker's executor and is woken there.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace spillway::sim {

class ConcurrencySlots {
 public:
  explicit ConcurrencySlots(int max) : max_(max) {}

  // Returns once the caller holds a slot (at once when one is free and nobody waits).
  boost::asio::awaitable<void> acquire();
  // Frees a held slot: it passes to the longest waiter, if any.
  void release();

  std::int64_t in_use() const;
  std::int64_t waiting() const;

 private:
  struct Waiter;
  const int max_;
  mutable std::mutex mutex_;
  int used_ = 0;
  std::deque<std::shared_ptr<Waiter>> queue_;
};

// Holds one slot for a scope (a coroutine frame included) and frees it at the end.
class SlotHold {
 public:
  SlotHold() = default;
  SlotHold(const SlotHold&) = delete;
  SlotHold& operator=(const SlotHold&) = delete;
  ~SlotHold() {
    if (slots_ != nullptr) {
      slots_->release();
    }
  }
  void hold(ConcurrencySlots& slots) { slots_ = &slots; }

 private:
  ConcurrencySlots* slots_ = nullptr;
};

}  // namespace spillway::sim
