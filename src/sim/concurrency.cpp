#include "sim/concurrency.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace spillway::sim {

namespace asio = boost::asio;

struct ConcurrencySlots::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool granted = false;  // under mutex_
};

asio::awaitable<void> ConcurrencySlots::acquire() {
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);
  {
    std::lock_guard lock(mutex_);
    if (used_ < max_ && queue_.empty()) {
      ++used_;
      co_return;
    }
    queue_.push_back(waiter);
  }
  // The timer never expires on its own: release() cancels it once the slot is this waiter's.
  // The cancel is posted to this executor, so it runs only after the wait below has begun.
  for (;;) {
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    if (waiter->granted) {
      co_return;
    }
  }
}

void ConcurrencySlots::release() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      --used_;
      return;
    }
    // The slot passes straight to the longest waiter; used_ does not change.
    next = std::move(queue_.front());
    queue_.pop_front();
    next->granted = true;
  }
  asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

std::int64_t ConcurrencySlots::in_use() const {
  std::lock_guard lock(mutex_);
  return used_;
}

std::int64_t ConcurrencySlots::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::int64_t>(queue_.size());
}

}  // namespace spillway::sim
