#include "upstream/exchange.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace spillway::upstream {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A reused keep-alive connection the server had already closed fails this way before any
// response byte arrives; the request never reached the application, so it is safe to resend.
bool stale_connection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}
}  // namespace

Exchange::Exchange(Pool& pool, const config::Upstream& upstream, Clock::time_point deadline)
    : pool_(pool), upstream_(upstream), deadline_(deadline) {}

Clock::time_point Exchange::arm(std::chrono::milliseconds phase) {
  const auto now = Clock::now();
  const auto by = std::max(now + std::chrono::milliseconds{1}, std::min(deadline_, now + phase));
  conn_->watch.arm_until(by);
  return by;
}

ApiError Exchange::io_error(const boost::system::error_code& ec, std::string_view what) const {
  const auto& u = upstream_;
  if (ec == beast::error::timeout) {
    auto e = make_error(ErrorKind::timeout,
                        "upstream '" + u.name + "' timed out (" + std::string(what) + ")",
                        ErrorSource::upstream);
    e.retryable = true;
    return e;
  }
  auto e = make_error(ErrorKind::bad_gateway,
                      "upstream '" + u.name + "' failed (" + std::string(what) + ": " + ec.message() + ")",
                      ErrorSource::upstream);
  e.retryable = true;
  return e;
}

bool Exchange::is_event_stream() const {
  auto it = headers().find(http::field::content_type);
  return it != headers().end() && it->value().starts_with("text/event-stream");
}

asio::awaitable<std::optional<ApiError>> Exchange::start(Request& request, std::size_t key) {
  const auto& u = upstream_;
  const auto host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;  // IPv6 literal
  const bool default_port = u.port == (u.tls ? 443 : 80);
  request.set(http::field::host, default_port ? host : host + ":" + std::to_string(u.port));
  if (key < u.keys.size()) {
    const std::string& secret = u.keys[key].secret;
    if (u.kind == Dialect::anthropic) {
      request.set("x-api-key", secret);
    } else {
      request.set(http::field::authorization, "Bearer " + secret);
    }
  }
  request.keep_alive(true);
  request.prepare_payload();

  bool reused = false;
  bool stale = false;
  auto err = co_await try_once(request, reused, stale);
  if (err && reused && stale) {
    err = co_await try_once(request, reused, stale);
  }
  co_return err;
}

asio::awaitable<std::optional<ApiError>> Exchange::try_once(Request& request, bool& reused, bool& stale) {
  conn_ = pool_.take_idle();
  reused = conn_ != nullptr;
  stale = false;
  if (!conn_) {
    auto connected = co_await connect(upstream_, pool_.tls(), pool_.watchdog(), deadline_);
    if (auto* e = std::get_if<ApiError>(&connected)) {
      co_return *e;
    }
    conn_ = std::move(std::get<std::unique_ptr<Connection>>(connected));
  }
  ++conn_->uses;
  parser_.emplace();
  parser_->header_limit(64 * 1024);
  parser_->body_limit(boost::none);  // bodies are relayed in pieces, not held

  const auto first_byte_by = arm(upstream_.timeouts.first_byte);  // for the write and the wait together
  auto [wec, wn] = co_await conn_->visit(
      [&](auto& s) { return http::async_write(s, request, asio::as_tuple(asio::use_awaitable)); });
  conn_->watch.check(wec);
  if (wec) {
    stale = stale_connection(wec);
    conn_.reset();
    co_return io_error(wec, "sending the request");
  }
  conn_->watch.arm_until(first_byte_by);
  auto [rec, rn] = co_await conn_->visit(
      [&](auto& s) { return http::async_read_header(s, conn_->buffer, *parser_, asio::as_tuple(asio::use_awaitable)); });
  conn_->watch.check(rec);
  if (rec) {
    stale = stale_connection(rec) && rn == 0;
    conn_.reset();
    co_return io_error(rec, "waiting for the response");
  }
  co_return std::nullopt;
}

// Parses what is already buffered into the body piece: no I/O. False on a malformed reply.
bool Exchange::parse_buffered() {
  auto& body = parser_->get().body();
  while (!parser_->is_done() && body.size > 0 && conn_->buffer.size() > 0) {
    boost::system::error_code ec;
    const auto used = parser_->put(conn_->buffer.data(), ec);
    conn_->buffer.consume(used);
    if (ec && ec != http::error::need_buffer && ec != http::error::need_more) {
      error_ = io_error(ec, "reading the response");
      conn_.reset();
      return false;
    }
    if (used == 0 || ec) {
      break;
    }
  }
  return true;
}

asio::awaitable<bool> Exchange::read_some(std::string& out) {
  out.clear();
  while (!parser_->is_done()) {
    auto& body = parser_->get().body();
    body.data = conn_->pieces.data();
    body.size = conn_->pieces.size();
    arm(upstream_.timeouts.between_events);
    auto [ec, n] = co_await conn_->visit(
        [&](auto& s) { return http::async_read_some(s, conn_->buffer, *parser_, asio::as_tuple(asio::use_awaitable)); });
    conn_->watch.check(ec);
    if (ec && ec != http::error::need_buffer) {
      error_ = io_error(ec, "reading the response");
      conn_.reset();
      co_return false;
    }
    // Upstreams write each event on its own. Taking every event that has already arrived
    // (buffered, or waiting in the socket) hands them to the client in one write instead of
    // one write and one wake-up per event.
    if (!parse_buffered()) {
      co_return false;
    }
    const bool events = is_event_stream();
    for (int i = 0; events && i < 4 && !conn_->tls() && !parser_->is_done() && body.size > 0; ++i) {
      boost::system::error_code aec;
      const auto waiting = conn_->tcp().available(aec);
      if (aec || waiting == 0) {
        break;
      }
      const auto got = conn_->tcp().read_some(conn_->buffer.prepare(std::min<std::size_t>(waiting, 64 * 1024)), aec);
      if (aec) {
        break;  // the next asynchronous read reports it
      }
      conn_->buffer.commit(got);
      if (!parse_buffered()) {
        co_return false;
      }
    }
    const auto got = conn_->pieces.size() - body.size;
    if (got > 0) {
      out.assign(conn_->pieces.data(), got);
      co_return true;
    }
  }
  co_return false;
}

void Exchange::finish() {
  if (conn_ && parser_ && parser_->is_done() && parser_->keep_alive() && !error_) {
    pool_.put_idle(std::move(conn_));
  }
  conn_.reset();
}

}  // namespace spillway::upstream
