#pragma once
// Idle keep-alive connections to one upstream, owned by one worker thread: no locks.
#include <vector>
#include <memory>

#include "upstream/connection.hpp"

namespace spillway::upstream {

class Pool {
 public:
  Pool(const config::Upstream& upstream, asio::ssl::context* tls, Watchdog& dog)
      : upstream_(upstream), tls_(tls), dog_(dog) {}

  // An idle connection if one is fresh enough, else nullptr (the caller connects).
  std::unique_ptr<Connection> take_idle();
  // Returns a connection whose last response was read completely and allows keep-alive.
  void put_idle(std::unique_ptr<Connection> c);

  const config::Upstream& upstream() const { return upstream_; }
  asio::ssl::context* tls() const { return tls_; }
  Watchdog& watchdog() const { return dog_; }

  // Servers close idle keep-alive connections after a while (nginx 75 s, Node 5 s); a
  // connection idle longer than this is dropped instead of risking a write into a closed socket.
  static constexpr std::chrono::seconds max_idle{30};

 private:
  const config::Upstream& upstream_;
  asio::ssl::context* tls_;
  Watchdog& dog_;
  std::vector<std::unique_ptr<Connection>> idle_;  // oldest first
};

}  // namespace spillway::upstream
