#pragma once
// One keep-alive connection to an upstream: plain TCP for local servers, TLS (verified against
// the system CA store plus the upstream's ca_file, with SNI and host-name checks) otherwise.
// Included only by upstream/ and server/ sources: it pulls in Beast.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <variant>

#include "common/api_error.hpp"
#include "config/config.hpp"

namespace spillway::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

class Connection {
 public:
  using plain_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

  explicit Connection(plain_stream s) : stream_(std::move(s)) {}
  explicit Connection(tls_stream s) : stream_(std::move(s)) {}

  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
  }
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

  beast::flat_buffer buffer;       // bytes read past the last response, kept with the stream
  Clock::time_point idle_since{};  // when it went back to the pool
  int uses = 0;                    // requests it has carried

 private:
  std::variant<plain_stream, tls_stream> stream_;
};

// TLS settings of one upstream, shared by all worker threads (SSL_CTX is thread-safe).
std::unique_ptr<asio::ssl::context> make_tls_context(const config::Upstream& upstream);

// Resolves, connects and (for https) handshakes within `deadline`. Errors: bad_gateway naming
// the upstream (unreachable, TLS failure) or timeout.
asio::awaitable<std::variant<std::unique_ptr<Connection>, ApiError>> connect(
    const config::Upstream& upstream, asio::ssl::context* tls, Clock::time_point deadline);

}  // namespace spillway::upstream
