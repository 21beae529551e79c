#include "upstream/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <openssl/ssl.h>

namespace spillway::upstream {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using tcp = asio::ip::tcp;

std::chrono::milliseconds until(Clock::time_point deadline, std::chrono::milliseconds phase) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(std::chrono::milliseconds{1}, std::min(left, phase));
}

ApiError unreachable(const config::Upstream& u, std::string_view what, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) {
    return make_error(ErrorKind::timeout,
                      "upstream '" + u.name + "' did not answer the " + std::string(what) + " in time",
                      ErrorSource::upstream);
  }
  auto e = make_error(ErrorKind::bad_gateway,
                      "upstream '" + u.name + "' is unreachable (" + std::string(what) + ": " + ec.message() + ")",
                      ErrorSource::upstream);
  e.retryable = true;
  return e;
}
}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const config::Upstream& upstream) {
  if (!upstream.tls) {
    return nullptr;
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  ctx->set_default_verify_paths();
  if (!upstream.ca_file.empty()) {
    ctx->load_verify_file(upstream.ca_file);
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

asio::awaitable<std::variant<std::unique_ptr<Connection>, ApiError>> connect(
    const config::Upstream& u, asio::ssl::context* tls, Watchdog& dog, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  const auto phase = u.timeouts.connect;
  const auto connect_deadline = std::min(deadline, Clock::now() + phase);

  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(u.host, std::to_string(u.port), use_tuple);
  if (rec) {
    co_return unreachable(u, "name lookup of " + u.host, rec);
  }
  auto conn = tls ? std::make_unique<Connection>(dog, ex, *tls) : std::make_unique<Connection>(dog, ex);
  conn->watch.arm(until(connect_deadline, phase));
  auto [cec, ep] = co_await asio::async_connect(conn->tcp(), endpoints, use_tuple);
  conn->watch.check(cec);
  if (cec) {
    co_return unreachable(u, "connect to " + u.host + ":" + std::to_string(u.port), cec);
  }
  boost::system::error_code ignored;
  conn->tcp().set_option(tcp::no_delay(true), ignored);
  auto* stream = conn->tls();
  if (!stream) {
    co_return conn;
  }

  // SNI and host-name verification: without them any valid certificate would do.
  boost::system::error_code addr_ec;
  asio::ip::make_address(u.host, addr_ec);
  if (addr_ec) {
    SSL_set_tlsext_host_name(stream->native_handle(), u.host.c_str());
  }
  stream->set_verify_callback(asio::ssl::host_name_verification(u.host));
  conn->watch.arm(until(connect_deadline, phase));
  auto [hec] = co_await stream->async_handshake(asio::ssl::stream_base::client, use_tuple);
  conn->watch.check(hec);
  if (hec) {
    co_return unreachable(u, "TLS handshake with " + u.host, hec);
  }
  co_return conn;
}

}  // namespace spillway::upstream
