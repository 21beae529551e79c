#include "server/translate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"
#include "dialect/responses_response.hpp"
#include "dialect/stream_translate.hpp"
#include "dialect/translate_request.hpp"
#include "dialect/translate_response.hpp"
#include "metrics/counters.hpp"
#include "server/keepalive.hpp"
#include "server/respond.hpp"

namespace spillway::server {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
namespace json = boost::json;

bool flag(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (auto key : path) {
    const auto* obj = at->if_object();
    if (!obj || !(at = obj->if_contains(key))) {
      return false;
    }
  }
  if (const auto* s = at->if_string()) {
    return !s->empty() && *s != "disabled";
  }
  return at->is_bool() ? at->as_bool() : !at->is_null();
}

// Reads the rest of a response body (bounded) into one string.
asio::awaitable<std::optional<std::string>> read_whole(upstream::Exchange& x, std::size_t limit) {
  std::string whole;
  std::string piece;
  while (co_await x.read_some(piece)) {
    whole += piece;
    if (whole.size() > limit) {
      co_return std::nullopt;
    }
  }
  if (x.error()) {
    co_return std::nullopt;
  }
  co_return whole;
}

// One translator for any pair, fed upstream bytes, giving client bytes. A Responses client is
// served from Anthropic events: a Chat Completions upstream's chunks become those first.
class StreamTranslator {
 public:
  StreamTranslator(Dialect client, Dialect upstream, const dialect::RequestInfo& info, const TranslatedRequest& t) {
    if (client == Dialect::responses) {
      to_responses_.emplace(dialect::AnthropicToResponsesStream::Options{info.model, t.custom_tools, {}, 0});
      if (upstream == Dialect::openai) {
        to_anthropic_.emplace(
            dialect::OpenAiToAnthropicStream::Options{info.model, info.wants_thinking, info.input_token_estimate, {}});
      }
    } else if (client == Dialect::anthropic) {
      to_anthropic_.emplace(dialect::OpenAiToAnthropicStream::Options{info.model, t.thinking, info.input_token_estimate, {}});
    } else {
      to_openai_.emplace(dialect::AnthropicToOpenAiStream::Options{info.model, t.include_usage, true, {}, 0});
    }
  }
  void feed(std::string_view bytes, std::string& out) {
    if (to_responses_) {
      if (to_anthropic_) {
        events_.clear();
        to_anthropic_->feed(bytes, events_);
        to_responses_->feed(events_, out);
      } else {
        to_responses_->feed(bytes, out);
      }
    } else if (to_anthropic_) {
      to_anthropic_->feed(bytes, out);
    } else {
      to_openai_->feed(bytes, out);
    }
  }
  std::string finish() {
    if (to_responses_) {
      std::string out;
      if (to_anthropic_) {
        to_responses_->feed(to_anthropic_->finish(), out);
      }
      return out + to_responses_->finish();
    }
    return to_anthropic_ ? to_anthropic_->finish() : to_openai_->finish();
  }
  std::string fail(const ApiError& e) {
    if (to_responses_) {
      return to_responses_->fail(e);
    }
    return to_anthropic_ ? to_anthropic_->fail(e) : to_openai_->fail(e);
  }
  // Anthropic semantics, as the upstream reported them (or estimated, when it reported none).
  dialect::core::Usage usage() const {
    dialect::core::Usage u;
    if (to_anthropic_) {
      u.input_tokens = to_anthropic_->input_tokens();
      u.output_tokens = to_anthropic_->output_tokens();
      u.cache_read_input_tokens = to_anthropic_->cache_read_input_tokens();
      u.cache_creation_input_tokens = to_anthropic_->cache_creation_input_tokens();
    } else if (to_responses_) {
      u.input_tokens = to_responses_->input_tokens();
      u.output_tokens = to_responses_->output_tokens();
      u.cache_read_input_tokens = to_responses_->cache_read_input_tokens();
      u.cache_creation_input_tokens = to_responses_->cache_creation_input_tokens();
    } else {
      u.input_tokens = to_openai_->input_tokens();
      u.output_tokens = to_openai_->output_tokens();
      u.cache_read_input_tokens = to_openai_->cache_read_input_tokens();
      u.cache_creation_input_tokens = to_openai_->cache_creation_input_tokens();
    }
    return u;
  }

 private:
  std::optional<dialect::OpenAiToAnthropicStream> to_anthropic_;
  std::optional<dialect::AnthropicToOpenAiStream> to_openai_;
  std::optional<dialect::AnthropicToResponsesStream> to_responses_;
  std::string events_;  // Anthropic events on their way to Responses, reused
};

}  // namespace

std::variant<TranslatedRequest, ApiError> translate_request(Dialect client, Dialect upstream, std::string_view body,
                                                             std::string_view upstream_model) {
  // The DOM lives only while the request is translated: one arena, starting on the stack, instead
  // of an allocation per value. The depth limit is parse_request's, which accepted the body.
  unsigned char initial[16 * 1024];
  json::monotonic_resource arena(initial, sizeof initial);
  json::parse_options options;
  options.max_depth = 128;
  boost::system::error_code ec;
  auto value = json::parse(body, ec, &arena, options);
  if (ec) {  // parse_request accepted it already; kept for safety
    return make_error(ErrorKind::invalid_request, "request body is not valid JSON", ErrorSource::client);
  }
  auto translated = dialect::translate_request(client, upstream, value, upstream_model);
  if (auto* e = std::get_if<ApiError>(&translated)) {
    return *e;
  }
  auto& request = std::get<dialect::RequestTranslation>(translated);
  TranslatedRequest out;
  out.body = std::move(request.body);
  out.dropped = std::move(request.dropped);
  out.custom_tools = std::move(request.custom_tools);
  out.include_usage = flag(value, {"stream_options", "include_usage"});
  out.thinking = flag(value, {"thinking", "type"});
  return out;
}

void adapt_headers(upstream::Request& request, Dialect client, Dialect upstream) {
  if (upstream == Dialect::openai) {
    request.erase("anthropic-version");
    request.erase("anthropic-beta");
  } else if (request.find("anthropic-version") == request.end()) {
    request.set("anthropic-version", "2023-06-01");
  }
}

asio::awaitable<bool> relay_translated(Client& client, upstream::Exchange& x, Dialect client_dialect,
                                       const config::Upstream& u, const dialect::RequestInfo& info,
                                       const TranslatedRequest& translated, std::size_t max_whole_body,
                                       std::optional<dialect::core::Usage>& usage) {
  const auto status = x.status();
  const Dialect upstream_dialect = u.kind;

  if (status != 200) {
    // An upstream error reaches the client in the client's dialect, the upstream's message kept.
    auto body = co_await read_whole(x, max_whole_body);
    x.finish();
    auto out_status = static_cast<http::status>(status);
    if (client_dialect == Dialect::anthropic && status == 503) {
      out_status = static_cast<http::status>(529);  // Anthropic's overloaded
    }
    auto text = dialect::translate_error_body(upstream_dialect, error_dialect(client_dialect), static_cast<int>(status),
                                              body ? *body : std::string{});
    co_return co_await respond(client, out_status, "application/json", std::move(text), u.name);
  }

  if (!x.is_event_stream()) {
    auto body = co_await read_whole(x, max_whole_body);
    x.finish();
    if (!body) {
      co_return co_await respond_error(
          client, client_dialect,
          x.error() ? *x.error()
                    : make_error(ErrorKind::bad_gateway, "upstream '" + u.name + "' sent a reply over the size limit",
                                 ErrorSource::upstream));
    }
    boost::system::error_code ec;
    auto value = json::parse(*body, ec);
    if (ec) {
      co_return co_await respond_error(
          client, client_dialect,
          make_error(ErrorKind::bad_gateway, "upstream '" + u.name + "' sent a reply that is not JSON", ErrorSource::upstream));
    }
    auto core = upstream_dialect == Dialect::openai ? dialect::parse_openai_response(value)
                                                    : dialect::parse_anthropic_response(value);
    if (auto* e = std::get_if<ApiError>(&core)) {
      const auto error = *e;
      co_return co_await respond_error(client, client_dialect, error);
    }
    auto& response = std::get<dialect::core::Response>(core);
    usage = response.usage;
    if (client_dialect == Dialect::anthropic && !translated.thinking) {
      std::erase_if(response.content, [](const auto& b) { return b.type == dialect::core::BlockType::thinking; });
    }
    auto out = client_dialect == Dialect::anthropic ? dialect::emit_anthropic_response(response, info.model)
               : client_dialect == Dialect::openai
                   ? dialect::emit_openai_response(response, info.model)
                   : dialect::emit_responses_response(response, info.model, translated.custom_tools);
    co_return co_await respond(client, http::status::ok, "application/json", std::move(out), u.name);
  }

  // A stream: translated event by event as it arrives.
  metrics::bump(metrics::counters().streams_relayed);
  metrics::count_response(200);
  client.sent_status(200);
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("x-accel-buffering", "no");
  res.set("x-spillway-upstream", u.name);
  client.add_response_headers(res);
  res.keep_alive(client.keep_alive);
  res.chunked(true);
  const auto write_timeout = u.timeouts.between_events;
  // The header goes out with the first translated events, the last events with the
  // terminating chunk: as few writes as the relay of a same-dialect stream.
  std::string head = header_text(res);
  // Translated output is always whole events, so a ping may follow any write.
  QuietStreamPings pings(client, client_dialect, client.stream_ping, true, head);
  auto write = [&](const std::string& bytes, bool last) -> asio::awaitable<bool> {
    if (bytes.empty() && head.empty() && !last) {
      co_return true;
    }
    client.sent_body(bytes);
    client.watch.arm(write_timeout);
    pings.write_started();
    const auto h = asio::buffer(head);
    boost::system::error_code ec;
    if (bytes.empty()) {
      std::tie(ec, std::ignore) =
          last ? co_await asio::async_write(client.stream, beast::buffers_cat(h, http::make_chunk_last()), use_tuple)
               : co_await asio::async_write(client.stream, h, use_tuple);
    } else if (last) {
      std::tie(ec, std::ignore) = co_await asio::async_write(
          client.stream, beast::buffers_cat(h, http::make_chunk(asio::buffer(bytes)), http::make_chunk_last()),
          use_tuple);
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(client.stream, beast::buffers_cat(h, http::make_chunk(asio::buffer(bytes))), use_tuple);
    }
    client.watch.check(ec);
    head.clear();
    pings.write_finished(true);
    co_return !ec;
  };

  StreamTranslator translator(client_dialect, upstream_dialect, info, translated);
  std::string piece;
  std::string out;  // reused: no allocation per piece
  while (co_await x.read_some(piece)) {
    metrics::bump(metrics::counters().stream_events_relayed);
    if (x.body_done()) {
      break;  // the last piece goes out below, with the translator's tail
    }
    out.clear();
    translator.feed(piece, out);
    if (!co_await write(out, false)) {
      co_return false;
    }
  }
  if (x.error()) {
    metrics::bump(metrics::counters().streams_broken);
    log::warn("stream cut after its first byte: " + x.error()->message);
    co_await write(translator.fail(*x.error()), false);
    x.finish();
    co_return false;
  }
  x.finish();
  std::string tail;
  translator.feed(piece, tail);
  tail += translator.finish();
  usage = translator.usage();
  co_return co_await write(tail, true) && client.keep_alive;
}

}  // namespace spillway::server
