#include "sim/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <random>
#include <string>

#include "common/wall_clock.hpp"
#include "sim/json_text.hpp"
#include "sim/render.hpp"

namespace spillway::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t header_limit = 64 * 1024;
constexpr std::uint64_t body_limit = 64ull * 1024 * 1024;
constexpr long max_stall_ms = 10 * 60 * 1000;
// A client that sends nothing (idle keep-alive, or a request that stops half-way) is
// disconnected after this long; answers are written without a deadline.
constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

using Request = http::request<http::string_body>;

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Site Overloaded";
    default: return status < 500 ? "Client Error" : "Server Error";
  }
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

void append_random_id(std::string& out, std::string_view prefix, std::size_t length) {
  static constexpr std::string_view alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  out.append(prefix);
  auto& gen = rng();
  std::uint64_t bits = 0;
  int left = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (left == 0) {
      bits = gen();
      left = 10;  // 6 bits per character
    }
    out.push_back(alphabet[(bits & 63) % alphabet.size()]);
    bits >>= 6;
    --left;
  }
}

bool chance(double p) {
  if (p <= 0) {
    return false;
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng()) < p;
}

long parse_long(std::string_view s, long fallback) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) {
    return fallback;
  }
  return v;
}

bool is_http_parse_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Header values must not carry control characters; a model name comes from the JSON body.
void append_header_safe(std::string& out, std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
}

std::string_view default_error_message(int status) {
  switch (status) {
    case 429: return "Rate limit exceeded (forced by x-mock-status)";
    case 500: return "Internal server error";
    case 503: return "The server is overloaded or not ready yet.";
    case 529: return "Overloaded";
    default: return "Mock error";
  }
}

enum class Route { messages, count_tokens, responses, models, stats, none };

template <class Stream>
class Session {
 public:
  Session(Stream& stream, MockState& state)
      : stream_(stream), state_(state), options_(state.options), timer_(stream.get_executor()) {}

  asio::awaitable<void> run() {
    auto& transport = beast::get_lowest_layer(stream_);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(body_limit);
      transport.expires_after(idle_timeout);
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, use_tuple);
      if (ec) {
        co_await refuse_unreadable(ec);
        co_return;
      }
      if (!parser.is_done()) {
        // The client holds the body back until told to go on (curl does for large bodies).
        if (parser.get().version() >= 11 &&
            beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          auto [wec, wn] =
              co_await asio::async_write(stream_, asio::buffer(continue_line), use_tuple);
          if (wec) {
            co_return;
          }
        }
        transport.expires_after(idle_timeout);
        auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, use_tuple);
        if (bec) {
          co_await refuse_unreadable(bec);
          co_return;
        }
      }
      // Pauses (latency, ttft, stalls) and slow readers must not trip the read deadline.
      transport.expires_never();
      Request& req = parser.get();
      if (!co_await handle(req)) {
        co_return;
      }
    }
  }

 private:
  // Answers a request that could not be read, where an answer is due; the connection closes.
  asio::awaitable<void> refuse_unreadable(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit) {
      co_await reply_error(nullptr, 413, "request body exceeds the 64 MiB limit", 0, false);
    } else if (ec == http::error::header_limit) {
      co_await reply_error(nullptr, 431, "request headers exceed the 64 KiB limit", 0, false);
    } else if (is_http_parse_error(ec) && ec != http::error::end_of_stream &&
               ec != http::error::partial_message) {
      co_await reply_error(nullptr, 400, "malformed HTTP request", 0, false);
    }
    // Timeouts, resets and clean closes get no answer.
  }

  // Answers one request. Returns false when the connection must close.
  asio::awaitable<bool> handle(const Request& req) {
    keep_alive_ = req.keep_alive();
    head_request_ = req.method() == http::verb::head;
    model_.clear();
    request_id_.clear();
    append_random_id(request_id_, "req_", 24);

    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const Route route = route_of(path);
    if (options_.latency_ms > 0) {
      co_await wait_ms(options_.latency_ms);
    }
    if (route == Route::none) {
      co_return co_await reply_error(&req, 404, "Not found: " + std::string(path), 0, keep_alive_);
    }
    const auto expected = route == Route::models || route == Route::stats ? http::verb::get : http::verb::post;
    if (req.method() != expected) {
      co_return co_await reply_error(&req, 405, "Method not allowed", 0, keep_alive_);
    }
    if (!authorized(req)) {
      co_return co_await reply_error(&req, 401,
                                     options_.dialect == Dialect::anthropic
                                         ? "invalid x-api-key"
                                         : "Incorrect API key provided.",
                                     0, keep_alive_);
    }
    if (route == Route::models) {
      body_.clear();
      render_models(body_, options_.dialect);
      co_return co_await reply_json(&req, 200);
    }
    if (route == Route::stats) {
      body_ = stats_json();
      co_return co_await reply_json(&req, 200);
    }

    auto parsed = parse_mock_request(req.body());
    if (auto* message = std::get_if<std::string>(&parsed)) {
      co_return co_await reply_error(&req, 400, *message, 0, keep_alive_);
    }
    const MockRequest& mreq = std::get<MockRequest>(parsed);
    model_ = mreq.model;
    if (route == Route::count_tokens) {
      body_.clear();
      render_count_tokens(body_, mreq.input_tokens);
      co_return co_await reply_json(&req, 200);
    }

    auto& counters = state_.counters;
    ++counters.requests;
    ReplyPlan plan;
    if (!choose_plan(req, mreq, plan)) {
      ++counters.errors;
      co_return co_await reply_error(
          &req, 400, "x-mock-tool-call must be `NAME {json object arguments}`", 0, keep_alive_);
    }
    if (plan.kind == ReplyPlan::Kind::error) {
      ++counters.errors;
      const std::string message =
          plan.text.empty() ? std::string(default_error_message(plan.status)) : plan.text;
      co_return co_await reply_error(&req, plan.status, message, plan.status == 429 ? 1 : 0,
                                     keep_alive_);
    }

    const auto decision = state_.limits.admit(mreq.input_tokens, std::chrono::steady_clock::now());
    if (!decision.admitted) {
      ++counters.rate_limited;
      co_return co_await reply_rate_limited(&req, decision, mreq.input_tokens);
    }
    ++counters.admitted;
    counters.input_tokens += static_cast<std::uint64_t>(std::max<std::int64_t>(mreq.input_tokens, 0));
    // Admitted requests beyond --max-concurrency wait in line for a slot, as vLLM queues them;
    // the slot is held until the answer is written (or the client is gone).
    SlotHold slot;
    if (state_.slots) {
      co_await state_.slots->acquire();
      slot.hold(*state_.slots);
    }
    const ReplyTokens tokens = tokenize(plan, mreq.max_tokens);
    ReplyContext ctx;
    ctx.dialect = route == Route::responses ? Dialect::responses : options_.dialect;
    ctx.model = mreq.model;
    id_.clear();
    append_random_id(id_, ctx.dialect == Dialect::anthropic ? "msg_" : ctx.dialect == Dialect::openai ? "chatcmpl-" : "",
                     24);
    ctx.id = id_;
    tool_id_.clear();
    if (plan.kind == ReplyPlan::Kind::tool) {
      append_random_id(tool_id_, options_.dialect == Dialect::anthropic ? "toolu_" : "call_", 24);
    }
    ctx.tool_id = tool_id_;
    ctx.input_tokens = mreq.input_tokens;
    ctx.cache_read_tokens = std::clamp(parse_long(req["x-mock-cache-read"], 0), 0L, 10'000'000L);
    ctx.cache_write_tokens = options_.dialect == Dialect::anthropic
                                 ? std::clamp(parse_long(req["x-mock-cache-write"], 0), 0L, 10'000'000L)
                                 : 0;
    ctx.created = unix_seconds();
    ctx.include_usage = mreq.include_usage;
    const long stall_ms =
        std::clamp(parse_long(req["x-mock-stall-ms"], 0), 0L, max_stall_ms);
    if (mreq.stream) {
      const bool keep = co_await reply_stream(&req, ctx, plan, tokens, stall_ms);
      count_finished(tokens);
      co_return keep;
    }
    double delay_ms = options_.ttft_ms + static_cast<double>(stall_ms);
    if (options_.tokens_per_s > 0) {
      delay_ms += 1000.0 * static_cast<double>(tokens.pieces.size()) / options_.tokens_per_s;
    }
    if (delay_ms > 0) {
      co_await wait_ms(delay_ms);
    }
    state_.limits.spend_output(static_cast<std::int64_t>(tokens.pieces.size()),
                               std::chrono::steady_clock::now());
    body_.clear();
    render_json(body_, ctx, plan, tokens);
    const bool keep = co_await reply_json(&req, 200);
    count_finished(tokens);
    co_return keep;
  }

  void count_finished(const ReplyTokens& tokens) {
    ++state_.counters.finished;
    state_.counters.output_tokens += tokens.pieces.size();
  }

  // GET /mock/stats: the simulator's own counters and bucket levels (null: not limited).
  std::string stats_json() {
    namespace json = boost::json;
    const auto& c = state_.counters;
    const auto levels = state_.limits.levels(std::chrono::steady_clock::now());
    auto level = [](long limit, double value) -> json::value {
      return limit > 0 ? json::value(value) : json::value(nullptr);
    };
    json::object out{
        {"requests", c.requests.load()},
        {"admitted", c.admitted.load()},
        {"rate_limited", c.rate_limited.load()},
        {"errors", c.errors.load()},
        {"finished", c.finished.load()},
        {"input_tokens", c.input_tokens.load()},
        {"output_tokens", c.output_tokens.load()},
        {"limits", {{"rpm", state_.limits.rpm()}, {"itpm", state_.limits.itpm()}, {"otpm", state_.limits.otpm()},
                    {"max_concurrency", options_.max_concurrency}}},
        {"available",
         {{"requests", level(state_.limits.rpm(), levels.requests)},
          {"input_tokens", level(state_.limits.itpm(), levels.input_tokens)},
          {"output_tokens", level(state_.limits.otpm(), levels.output_tokens)}}},
        {"in_flight", c.admitted.load() - c.finished.load()},
        {"waiting", state_.slots ? state_.slots->waiting() : std::int64_t{0}},
        {"time_ms", unix_ms()}};
    return json::serialize(out);
  }

  Route route_of(std::string_view path) const {
    if (options_.dialect == Dialect::anthropic) {
      if (path == "/v1/messages") {
        return Route::messages;
      }
      if (path == "/v1/messages/count_tokens") {
        return Route::count_tokens;
      }
    } else if (path == "/v1/chat/completions" || path == "/chat/completions") {
      return Route::messages;
    } else if (path == "/v1/responses" || path == "/responses") {
      return Route::responses;  // OpenAI's Responses API
    }
    if (path == "/v1/models") {
      return Route::models;
    }
    if (path == "/mock/stats") {
      return Route::stats;
    }
    return Route::none;
  }

  bool authorized(const Request& req) const {
    const std::string& key = options_.api_key;
    if (key.empty()) {
      return true;
    }
    if (options_.dialect == Dialect::anthropic) {
      return req["x-api-key"] == key;
    }
    const std::string_view auth = req[http::field::authorization];
    constexpr std::string_view bearer = "Bearer ";
    return auth.size() == bearer.size() + key.size() && auth.substr(0, bearer.size()) == bearer &&
           auth.substr(bearer.size()) == key;
  }

  bool choose_plan(const Request& req, const MockRequest& mreq, ReplyPlan& plan) {
    PlanSources sources;
    sources.status_header = req["x-mock-status"];
    sources.tool_call_header = req["x-mock-tool-call"];
    sources.reply_header = req["x-mock-reply"];
    sources.overloaded_roll = chance(options_.fail_529_rate);
    sources.internal_error_roll = !sources.overloaded_roll && chance(options_.fail_500_rate);
    sources.dialect = options_.dialect;
    sources.script = &state_.script;
    sources.script_next = &state_.script_next;
    sources.default_reply = options_.reply;
    return sim::choose_plan(sources, mreq, plan);
  }

  // Status line and the headers every reply carries.
  void begin_head(const Request* req, int status, std::string_view content_type) {
    head_.clear();
    head_.append("HTTP/1.1 ");
    append_int(head_, status);
    head_.push_back(' ');
    head_.append(reason(status));
    head_.append("\r\ncontent-type: ");
    head_.append(content_type);
    head_.append(options_.dialect == Dialect::anthropic ? "\r\nrequest-id: " : "\r\nx-request-id: ");
    head_.append(request_id_);
    head_.append("\r\n");
    if (req != nullptr) {
      head_.append("x-mock-received-headers: ");
      bool first = true;
      for (const auto& field : *req) {
        if (!first) {
          head_.push_back(',');
        }
        first = false;
        for (char c : field.name_string()) {
          head_.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
        }
      }
      head_.append("\r\n");
      for (const auto& field : *req) {
        const std::string_view name = field.name_string();
        if (name.size() > 7 && beast::iequals(name.substr(0, 7), "x-echo-")) {
          head_.append(name);
          head_.append(": ");
          head_.append(field.value());
          head_.append("\r\n");
        }
      }
    }
    if (!model_.empty()) {
      head_.append("x-mock-received-model: ");
      append_header_safe(head_, model_);
      head_.append("\r\n");
    }
    state_.limits.append_headers(head_, options_.dialect, std::chrono::steady_clock::now(),
                                 std::chrono::system_clock::now());
  }

  void end_head_fixed(std::size_t content_length, bool keep_alive) {
    head_.append("content-length: ");
    append_int(head_, static_cast<std::int64_t>(content_length));
    head_.append(keep_alive ? "\r\n\r\n" : "\r\nconnection: close\r\n\r\n");
  }

  asio::awaitable<bool> write_head_and_body(bool keep_alive) {
    // A HEAD answer has the headers a GET would get and no body (RFC 9110 9.3.2): a body would
    // be read as the start of the next response on a keep-alive connection.
    std::array<asio::const_buffer, 2> buffers{
        asio::buffer(head_), asio::buffer(body_.data(), head_request_ ? 0 : body_.size())};
    auto [ec, n] = co_await asio::async_write(stream_, buffers, use_tuple);
    co_return !ec && keep_alive;
  }

  asio::awaitable<bool> reply_json(const Request* req, int status) {
    begin_head(req, status, "application/json");
    end_head_fixed(body_.size(), keep_alive_);
    co_return co_await write_head_and_body(keep_alive_);
  }

  asio::awaitable<bool> reply_error(const Request* req, int status, std::string_view message,
                                    int retry_after_s, bool keep_alive,
                                    std::string_view openai_type = {}) {
    if (req == nullptr) {
      // A request that failed to parse: nothing of an earlier request on this connection applies.
      head_request_ = false;
      model_.clear();
      request_id_.clear();
      append_random_id(request_id_, "req_", 24);
    }
    body_.clear();
    render_error(body_, options_.dialect, status, message, request_id_, openai_type);
    begin_head(req, status, "application/json");
    if (options_.dialect == Dialect::anthropic) {
      head_.append(status == 429 || status >= 500 ? "x-should-retry: true\r\n"
                                                  : "x-should-retry: false\r\n");
    }
    if (retry_after_s > 0) {
      head_.append("retry-after: ");
      append_int(head_, retry_after_s);
      head_.append("\r\n");
      if (options_.dialect == Dialect::openai) {
        head_.append("retry-after-ms: ");
        append_int(head_, std::int64_t{retry_after_s} * 1000);
        head_.append("\r\n");
      }
    }
    end_head_fixed(body_.size(), keep_alive);
    co_return co_await write_head_and_body(keep_alive);
  }

  asio::awaitable<bool> reply_rate_limited(const Request* req, const RateLimits::Decision& d,
                                           std::int64_t input_tokens) {
    std::string message;
    if (d.never_fits) {
      message = "This request needs " + std::to_string(input_tokens) +
                " input tokens, more than the input tokens per minute rate limit of " +
                std::to_string(d.limit) + " allows.";
    } else {
      message = "Rate limit exceeded: " + std::string(d.limit_name) +
                " per minute (limit " + std::to_string(d.limit) + "). Please try again in " +
                std::to_string(d.retry_after_s) + "s.";
    }
    co_return co_await reply_error(req, 429, message, d.retry_after_s, keep_alive_,
                                   d.limit_name == "requests" ? "requests" : "tokens");
  }

  void append_chunk(std::size_t from, std::size_t to) {
    if (to <= from) {
      return;
    }
    char hex[20];
    auto [end, ec] = std::to_chars(hex, hex + sizeof hex, to - from, 16);
    out_.append(hex, end);
    out_.append("\r\n");
    out_.append(stream_buf_, from, to - from);
    out_.append("\r\n");
  }

  asio::awaitable<bool> flush() {
    if (out_.empty()) {
      co_return true;
    }
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), use_tuple);
    out_.clear();
    co_return !ec;
  }

  asio::awaitable<bool> reply_stream(const Request* req, const ReplyContext& ctx,
                                     const ReplyPlan& plan, const ReplyTokens& tokens,
                                     long stall_ms) {
    stream_buf_.clear();
    render_stream(stream_buf_, token_ends_, ctx, plan, tokens);
    begin_head(req, 200, "text/event-stream; charset=utf-8");
    head_.append("cache-control: no-cache\r\nx-accel-buffering: no\r\ntransfer-encoding: chunked\r\n");
    head_.append(keep_alive_ ? "\r\n" : "connection: close\r\n\r\n");
    out_.clear();
    out_.append(head_);
    // Bytes are held in out_ until a pause is due, so an unpaced stream costs one write.
    if (options_.ttft_ms > 0) {
      if (!co_await flush()) {
        co_return false;
      }
      co_await wait_ms(options_.ttft_ms);
    }
    const std::size_t real_tokens = tokens.pieces.size();
    std::int64_t unspent = 0;
    std::size_t from = 0;
    for (std::size_t i = 0; i < token_ends_.size(); ++i) {
      append_chunk(from, token_ends_[i]);
      from = token_ends_[i];
      if (i < real_tokens) {
        ++unspent;
      }
      double pause_ms = 0;
      if (i == 0 && stall_ms > 0) {
        pause_ms += static_cast<double>(stall_ms);
      }
      if (i + 1 < token_ends_.size() && options_.tokens_per_s > 0) {
        pause_ms += 1000.0 / options_.tokens_per_s;
      }
      if (pause_ms > 0) {
        state_.limits.spend_output(unspent, std::chrono::steady_clock::now());
        unspent = 0;
        if (!co_await flush()) {
          co_return false;
        }
        co_await wait_ms(pause_ms);
      }
    }
    state_.limits.spend_output(unspent, std::chrono::steady_clock::now());
    out_.append("0\r\n\r\n");
    if (!co_await flush()) {
      co_return false;
    }
    co_return keep_alive_;
  }

  asio::awaitable<void> wait_ms(double ms) {
    timer_.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000.0)));
    co_await timer_.async_wait(use_tuple);
  }

  Stream& stream_;
  MockState& state_;
  const MockOptions& options_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  bool keep_alive_ = true;
  bool head_request_ = false;  // the request being answered is a HEAD: headers only
  std::string request_id_;
  std::string id_;
  std::string tool_id_;
  std::string model_;
  std::string head_;
  std::string body_;
  std::string out_;
  std::string stream_buf_;
  std::vector<std::size_t> token_ends_;
};

}  // namespace

asio::awaitable<void> serve_plain(tcp::socket socket, MockState& state) {
  beast::tcp_stream stream(std::move(socket));
  Session<beast::tcp_stream> session(stream, state);
  co_await session.run();
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

asio::awaitable<void> serve_tls(tcp::socket socket, asio::ssl::context& tls, MockState& state) {
  asio::ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls);
  beast::get_lowest_layer(stream).expires_after(idle_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (!ec) {
    Session<asio::ssl::stream<beast::tcp_stream>> session(stream, state);
    co_await session.run();
  }
  beast::get_lowest_layer(stream).close();
}

}  // namespace spillway::sim
