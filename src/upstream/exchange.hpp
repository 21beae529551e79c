#pragma once
// One request/response exchange with an upstream, read in pieces so the caller can relay a
// stream as it arrives. Sends; never decides (retries across candidates are the caller's).
//
//   Exchange x(pool, upstream, deadline);
//   auto err = co_await x.start(request);      // connect/reuse, send, read response headers
//   while (auto piece = co_await x.read_some())  // body bytes as they arrive
//   x.finish();                                  // connection back to the pool when clean
#include <boost/beast/http.hpp>
#include <optional>
#include <string>

#include "upstream/pool.hpp"

namespace spillway::upstream {

namespace http = beast::http;

using Request = http::request<http::string_body>;

class Exchange {
 public:
  // `upstream` is the config the request was routed with (its address, keys, timeouts); `pool`
  // holds idle connections to that address. Both must outlive the exchange.
  Exchange(Pool& pool, const config::Upstream& upstream, Clock::time_point deadline);

  // Sends `request` (Host, Content-Length and key number `key` of the upstream's pool are set
  // here; none when the pool is empty). nullopt on success: status() and headers() are valid.
  // An error before any response byte is retryable on another candidate.
  asio::awaitable<std::optional<ApiError>> start(Request& request, std::size_t key = 0);

  unsigned status() const { return parser_->get().result_int(); }
  const http::fields& headers() const { return parser_->get().base(); }
  bool is_event_stream() const;
  bool body_done() const { return parser_->is_done(); }
  std::optional<std::uint64_t> content_length() const {
    auto n = parser_->content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }

  // Next body piece (may be empty only at the end). Returns false at the end of the body;
  // on failure returns false and sets error(). Timeouts: between_events per read, total
  // deadline overall.
  asio::awaitable<bool> read_some(std::string& out);
  const std::optional<ApiError>& error() const { return error_; }

  // Returns the connection to the pool if the body was read to its end and keep-alive holds.
  void finish();

  // Body bytes arrived with the headers: read_some will return them without waiting.
  bool has_buffered_body() const { return conn_ && conn_->buffer.size() > 0 && !parser_->is_done(); }

 private:
  asio::awaitable<std::optional<ApiError>> try_once(Request& request, bool& reused, bool& sent_nothing_back);
  Clock::time_point arm(std::chrono::milliseconds phase_timeout);  // returns the deadline it set
  bool parse_buffered();
  ApiError io_error(const boost::system::error_code& ec, std::string_view what) const;

  Pool& pool_;
  const config::Upstream& upstream_;
  Clock::time_point deadline_;
  std::unique_ptr<Connection> conn_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::optional<ApiError> error_;
};

}  // namespace spillway::upstream
