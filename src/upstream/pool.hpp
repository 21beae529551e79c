#pragma once
// Idle keep-alive connections to one upstream, owned by one worker thread: no locks.
#include <vector>
#include <memory>

#include "upstream/connection.hpp"

namespace spillway::upstream {

class Pool {
 public:
  Pool(const config::Upstream& upstream, std::shared_ptr<asio::ssl::context> tls, Watchdog& dog)
      : host_(upstream.host), port_(upstream.port), tls_(std::move(tls)), dog_(dog),
        max_idle_connections_(upstream.max_idle_connections) {}

  // An idle connection if one is fresh enough, else nullptr (the caller connects).
  std::unique_ptr<Connection> take_idle();
  // Returns a connection whose last response was read completely and allows keep-alive.
  void put_idle(std::unique_ptr<Connection> c);

  // Whether this pool's connections lead where `upstream` (with TLS settings `tls`) says: after
  // a reload that moved an upstream, its old connections must not be reused.
  bool serves(const config::Upstream& upstream, const asio::ssl::context* tls) const {
    return upstream.host == host_ && upstream.port == port_ && tls == tls_.get();
  }
  void set_max_idle(std::size_t n) { max_idle_connections_ = n; }
  // Out of use (its upstream moved): idle connections close, and so do those still out.
  void retire();

  asio::ssl::context* tls() const { return tls_.get(); }
  Watchdog& watchdog() const { return dog_; }

  // Servers close idle keep-alive connections after a while (nginx 75 s, Node 5 s); a
  // connection idle longer than this is dropped instead of risking a write into a closed socket.
  static constexpr std::chrono::seconds max_idle{30};

 private:
  std::string host_;
  std::uint16_t port_;
  std::shared_ptr<asio::ssl::context> tls_;  // null for http; its connections need it alive
  Watchdog& dog_;
  std::size_t max_idle_connections_;
  bool retired_ = false;
  std::vector<std::unique_ptr<Connection>> idle_;  // oldest first
};

}  // namespace spillway::upstream
