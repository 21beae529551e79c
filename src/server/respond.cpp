#include "server/respond.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dialect/errors.hpp"
#include "dialect/responses_response.hpp"
#include "metrics/counters.hpp"

namespace spillway::server {

namespace {
constexpr std::chrono::seconds write_timeout{60};

// Writes a whole response, or only its header (Content-Length kept) to a HEAD request.
asio::awaitable<bool> write_response(Client& client, http::response<http::string_body>& res) {
  res.keep_alive(client.keep_alive);
  res.prepare_payload();
  client.watch.arm(write_timeout);
  boost::system::error_code ec;
  if (client.head_only) {
    http::response_serializer<http::string_body> sr{res};
    std::tie(ec, std::ignore) = co_await http::async_write_header(client.stream, sr, asio::as_tuple(asio::use_awaitable));
  } else {
    std::tie(ec, std::ignore) = co_await http::async_write(client.stream, res, asio::as_tuple(asio::use_awaitable));
  }
  client.watch.check(ec);
  co_return !ec && client.keep_alive;
}

}  // namespace

asio::awaitable<bool> respond(Client& client, http::status status, std::string_view content_type,
                              std::string body, std::string_view upstream) {
  http::response<http::string_body> res{status, client.version};
  res.set(http::field::content_type, content_type);
  if (!upstream.empty()) {
    res.set("x-spillway-upstream", upstream);
  }
  client.add_response_headers(res);
  res.body() = std::move(body);
  metrics::count_response(static_cast<unsigned>(status));
  client.sent_status(static_cast<unsigned>(status));
  client.sent_body(res.body());
  co_return co_await write_response(client, res);
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
  client.add_response_headers(res);
  res.body() = dialect::error_body(dialect, error);
  metrics::count_response(static_cast<unsigned>(error.status));
  client.sent_status(static_cast<unsigned>(error.status));
  client.sent_body(res.body());
  co_return co_await write_response(client, res);
}

asio::awaitable<bool> refuse_model_request(Client& client, Dialect dialect, bool stream, std::string_view model,
                                           const ApiError& error) {
  if (dialect != Dialect::responses || !stream || error.source == ErrorSource::client) {
    co_return co_await respond_error(client, dialect, error);
  }
  http::response<http::string_body> res{http::status::ok, client.version};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  client.add_response_headers(res);
  dialect::AnthropicToResponsesStream events({std::string(model), {}, {}, 0});
  res.body() = events.fail(error);
  metrics::count_response(static_cast<unsigned>(error.status));
  client.sent_status(static_cast<unsigned>(error.status));
  client.sent_body(res.body());
  co_return co_await write_response(client, res);
}

}  // namespace spillway::server
