#pragma once
// One keep-alive connection to an upstream: plain TCP for local servers, TLS (verified against
// the system CA store plus the upstream's ca_file, with SNI and host-name checks) otherwise.
// Plain sockets with a coarse watchdog deadline (upstream/deadline.hpp), not beast::tcp_stream.
// Included only by upstream/ and server/ sources: it pulls in Beast.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <chrono>
#include <memory>
#include <variant>

#include "common/api_error.hpp"
#include "config/config.hpp"
#include "upstream/deadline.hpp"

namespace spillway::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

// Created unconnected (connect() below does the rest). Not movable: the watch points at the
// socket inside stream_, which is therefore declared first.
class Connection {
 public:
  using socket = asio::ip::tcp::socket;
  using plain_stream = socket;
  using tls_stream = beast::ssl_stream<socket>;

  Connection(Watchdog& dog, const asio::any_io_executor& ex)
      : stream_(std::in_place_type<plain_stream>, ex), watch(dog, tcp()) {}
  Connection(Watchdog& dog, const asio::any_io_executor& ex, asio::ssl::context& tls)
      : stream_(std::in_place_type<tls_stream>, ex, tls), watch(dog, tcp()) {}

  socket& tcp() {
    return std::visit([](auto& s) -> socket& { return beast::get_lowest_layer(s); }, stream_);
  }
  tls_stream* tls() { return std::get_if<tls_stream>(&stream_); }
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

 private:
  std::variant<plain_stream, tls_stream> stream_;

 public:
  Watch watch;                     // armed while an operation on the stream has a time limit
  beast::flat_buffer buffer;       // bytes read past the last response, kept with the stream
  Clock::time_point idle_since{};  // when it went back to the pool
  int uses = 0;                    // requests it has carried
  // Where response body pieces land. It lives with the pooled connection, not in each
  // request's coroutine frame: a frame that small is recycled by Asio instead of malloc'd.
  std::array<char, 8 * 1024> pieces;
};

// TLS settings of one upstream, shared by all worker threads (SSL_CTX is thread-safe).
std::shared_ptr<asio::ssl::context> make_tls_context(const config::Upstream& upstream);

// Resolves, connects and (for https) handshakes within `deadline`. Errors: bad_gateway naming
// the upstream (unreachable, TLS failure) or timeout.
asio::awaitable<std::variant<std::unique_ptr<Connection>, ApiError>> connect(
    const config::Upstream& upstream, asio::ssl::context* tls, Watchdog& dog, Clock::time_point deadline);

}  // namespace spillway::upstream
