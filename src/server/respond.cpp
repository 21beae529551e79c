#include "server/respond.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dialect/errors.hpp"
#include "metrics/counters.hpp"

namespace spillway::server {

namespace {
constexpr std::chrono::seconds write_timeout{60};
}

asio::awaitable<bool> respond(Client& client, http::status status, std::string_view content_type,
                              std::string body, std::string_view upstream) {
  http::response<http::string_body> res{status, client.version};
  res.set(http::field::content_type, content_type);
  if (!upstream.empty()) {
    res.set("x-spillway-upstream", upstream);
  }
  res.keep_alive(client.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  metrics::count_response(static_cast<unsigned>(status));
  client.watch.arm(write_timeout);
  auto [ec, n] = co_await http::async_write(client.stream, res, asio::as_tuple(asio::use_awaitable));
  client.watch.check(ec);
  co_return !ec && client.keep_alive;
}

std::string header_text(http::response<http::empty_body>& res) {
  http::response_serializer<http::empty_body> sr{res};
  sr.split(true);
  std::string out;
  boost::system::error_code ec;
  while (!ec && !sr.is_header_done()) {
    sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (auto b : beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
      }
      sr.consume(beast::buffer_bytes(buffers));
    });
  }
  return out;
}

asio::awaitable<bool> respond_error(Client& client, Dialect dialect, const ApiError& error) {
  http::response<http::string_body> res{static_cast<http::status>(error.status), client.version};
  res.set(http::field::content_type, "application/json");
  if (error.retry_after_s >= 0) {
    res.set(http::field::retry_after, std::to_string(error.retry_after_s));
  }
  res.keep_alive(client.keep_alive);
  res.body() = dialect::error_body(dialect, error);
  res.prepare_payload();
  metrics::count_response(static_cast<unsigned>(error.status));
  client.watch.arm(write_timeout);
  auto [ec, n] = co_await http::async_write(client.stream, res, asio::as_tuple(asio::use_awaitable));
  client.watch.check(ec);
  co_return !ec && client.keep_alive;
}

}  // namespace spillway::server
