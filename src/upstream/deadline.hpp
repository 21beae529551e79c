#pragma once
// Coarse I/O deadlines: one ticking timer per worker instead of one timer per operation.
//
// beast::tcp_stream::expires_after() makes every read and write start its own timer wait
// (an allocation, a timer-heap insert, often a timerfd_settime syscall) and cancel it on
// completion (one more handler run with operation_aborted). A proxied request does about six
// such operations. Here arming a deadline is a plain store; a per-worker Watchdog wakes every
// `tick` and closes each watched socket whose deadline passed, so its pending operation fails
// and the owner reports a timeout (Watch::check maps the error to beast::error::timeout).
// Deadlines fire up to one tick late, never early. Single-threaded: a Watchdog and its Watches
// belong to one worker's io_context. Internal to server/ and upstream/: it pulls in Asio.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>

namespace spillway::upstream {

class Watchdog;

// One watched socket. Registered for its whole lifetime (O(1) link and unlink); armed only
// while an operation with a time limit is pending.
class Watch {
 public:
  using Clock = std::chrono::steady_clock;

  Watch(Watchdog& dog, boost::asio::ip::tcp::socket& socket);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  void arm_until(Clock::time_point deadline) { deadline_ = deadline; }
  void arm(Clock::duration limit) { deadline_ = Clock::now() + limit; }
  void disarm() { deadline_ = Clock::time_point::max(); }
  bool timed_out() const { return timed_out_; }
  // Idle: waiting for a client's next request, so closing it loses nothing (see close_idle).
  void set_idle(bool idle) { idle_ = idle; }

  // Call when the operation completes: disarms, and turns the error of an operation the
  // watchdog cut off into beast::error::timeout.
  void check(boost::system::error_code& ec) {
    disarm();
    if (ec && timed_out_) {
      ec = boost::beast::error::timeout;
    }
  }

 private:
  friend class Watchdog;
  boost::asio::ip::tcp::socket* socket_;
  Watchdog* dog_;
  Watch* prev_ = nullptr;
  Watch* next_ = nullptr;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool idle_ = false;
};

class Watchdog {
 public:
  static constexpr std::chrono::milliseconds tick{50};

  explicit Watchdog(const boost::asio::any_io_executor& ex) : timer_(ex) {}
  explicit Watchdog(boost::asio::io_context& ioc) : timer_(ioc) {}
  // Watches that outlive it (coroutine frames destroyed with the io_context) become inert.
  ~Watchdog() {
    for (Watch* w = head_; w != nullptr;) {
      Watch* next = w->next_;
      w->dog_ = nullptr;
      w->prev_ = w->next_ = nullptr;
      w = next;
    }
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Closes every watched socket marked idle (a keep-alive connection between requests): used
  // when the gateway drains before it exits.
  void close_idle() {
    for (Watch* w = head_; w != nullptr; w = w->next_) {
      if (w->idle_) {
        boost::system::error_code ignored;
        w->socket_->close(ignored);
      }
    }
  }

 private:
  friend class Watch;

  void link(Watch& w) {
    w.next_ = head_;
    if (head_ != nullptr) {
      head_->prev_ = &w;
    }
    head_ = &w;
    if (!ticking_) {
      ticking_ = true;
      schedule();
    }
  }

  void unlink(Watch& w) {
    (w.prev_ != nullptr ? w.prev_->next_ : head_) = w.next_;
    if (w.next_ != nullptr) {
      w.next_->prev_ = w.prev_;
    }
  }

  void schedule() {
    timer_.expires_after(tick);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        ticking_ = false;
        return;
      }
      const auto now = Watch::Clock::now();
      for (Watch* w = head_; w != nullptr; w = w->next_) {
        if (w->deadline_ <= now) {
          // Closing (as beast::tcp_stream does on timeout) also stops an operation started
          // after a cancel would have been missed: the socket stays unusable.
          w->timed_out_ = true;
          boost::system::error_code ignored;
          w->socket_->close(ignored);
        }
      }
      if (head_ == nullptr) {
        ticking_ = false;  // idle worker: no wakeups until a socket is watched again
        return;
      }
      schedule();
    });
  }

  boost::asio::steady_timer timer_;
  Watch* head_ = nullptr;
  bool ticking_ = false;
};

inline Watch::Watch(Watchdog& dog, boost::asio::ip::tcp::socket& socket) : socket_(&socket), dog_(&dog) {
  dog.link(*this);
}

inline Watch::~Watch() {
  if (dog_ != nullptr) {
    dog_->unlink(*this);
  }
}

}  // namespace spillway::upstream
