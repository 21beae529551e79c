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
#include <functional>

namespace spillway::upstream {

class Watchdog;

// Something to do when nothing happened for a while: the watchdog calls `beat` once `every` has
// passed since the last touch() (or the last beat). Used for keep-alive pings on quiet streams.
// Registered for its lifetime, like a Watch.
class Heartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  Heartbeat(Watchdog& dog, Clock::duration every, std::function<void()> beat);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // Something happened: the next beat is due `every` after the watchdog's next tick sees it
  // (a flag, not a clock read: relays call this on every write).
  void touch() { touched_ = true; }

 private:
  friend class Watchdog;
  Watchdog* dog_;
  Heartbeat* prev_ = nullptr;
  Heartbeat* next_ = nullptr;
  Clock::duration every_;
  Clock::time_point due_ = Clock::time_point::max();
  bool touched_ = true;  // a fresh heartbeat counts from the first tick that sees it
  std::function<void()> beat_;
};

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
  Watchdog* watchdog() const { return dog_; }
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
    for (Heartbeat* h = beats_; h != nullptr;) {
      Heartbeat* next = h->next_;
      h->dog_ = nullptr;
      h->prev_ = h->next_ = nullptr;
      h = next;
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
  friend class Heartbeat;

  // Both kinds of registration are intrusive doubly linked lists.
  template <class T>
  void link(T& item, T*& head) {
    item.next_ = head;
    if (head != nullptr) {
      head->prev_ = &item;
    }
    head = &item;
    if (!ticking_) {
      ticking_ = true;
      schedule();
    }
  }

  template <class T>
  static void unlink(T& item, T*& head) {
    (item.prev_ != nullptr ? item.prev_->next_ : head) = item.next_;
    if (item.next_ != nullptr) {
      item.next_->prev_ = item.prev_;
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
      for (Heartbeat* h = beats_; h != nullptr;) {
        Heartbeat* next = h->next_;  // a beat never unregisters, but stay safe if one did
        if (h->touched_) {
          h->touched_ = false;
          h->due_ = now + h->every_;
        } else if (h->due_ <= now) {
          h->due_ = now + h->every_;
          h->beat_();
        }
        h = next;
      }
      for (Watch* w = head_; w != nullptr; w = w->next_) {
        if (w->deadline_ <= now) {
          // Closing (as beast::tcp_stream does on timeout) also stops an operation started
          // after a cancel would have been missed: the socket stays unusable.
          w->timed_out_ = true;
          boost::system::error_code ignored;
          w->socket_->close(ignored);
        }
      }
      if (head_ == nullptr && beats_ == nullptr) {
        ticking_ = false;  // idle worker: no wakeups until a socket is watched again
        return;
      }
      schedule();
    });
  }

  boost::asio::steady_timer timer_;
  Watch* head_ = nullptr;
  Heartbeat* beats_ = nullptr;
  bool ticking_ = false;
};

inline Watch::Watch(Watchdog& dog, boost::asio::ip::tcp::socket& socket) : socket_(&socket), dog_(&dog) {
  dog.link(*this, dog.head_);
}

inline Watch::~Watch() {
  if (dog_ != nullptr) {
    Watchdog::unlink(*this, dog_->head_);
  }
}

inline Heartbeat::Heartbeat(Watchdog& dog, Clock::duration every, std::function<void()> beat)
    : dog_(&dog), every_(every), beat_(std::move(beat)) {
  dog.link(*this, dog.beats_);
}

inline Heartbeat::~Heartbeat() {
  if (dog_ != nullptr) {
    Watchdog::unlink(*this, dog_->beats_);
  }
}

}  // namespace spillway::upstream
