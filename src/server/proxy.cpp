// Stages parse -> route -> forward -> relay for the model endpoints. Same-dialect requests
// pass through byte for byte except the model name the route maps to; streams are relayed
// piece by piece as they arrive.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"
#include "dialect/errors.hpp"
#include "dialect/request_info.hpp"
#include "metrics/counters.hpp"
#include "dialect/translate_response.hpp"
#include "dialect/usage_sniffer.hpp"
#include "server/account.hpp"
#include "server/capacity.hpp"
#include "server/header_policy.hpp"
#include "server/keepalive.hpp"
#include "server/respond.hpp"
#include "server/translate.hpp"
#include "upstream/exchange.hpp"

namespace spillway::server {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using upstream::Clock;
using metrics::bump;

std::string upstream_target(const config::Upstream& u, Dialect body_dialect, bool count_tokens) {
  if (body_dialect == Dialect::responses) {
    return u.base_path + "/responses";
  }
  if (u.kind == Dialect::openai) {
    return u.base_path + "/chat/completions";
  }
  // The Anthropic SDKs take the base URL without /v1; accept it written either way.
  const std::string v1 = u.base_path.ends_with("/v1") ? u.base_path : u.base_path + "/v1";
  return v1 + (count_tokens ? "/messages/count_tokens" : "/messages");
}

// `body_dialect`: what the body speaks (the upstream's, or the client's Responses relayed as is).
upstream::Request build_upstream_request(const ClientRequest& req, const config::Upstream& u, Dialect body_dialect,
                                         bool count_tokens, std::string body) {
  upstream::Request out{http::verb::post, upstream_target(u, body_dialect, count_tokens), 11};
  const auto connection_tokens = req[http::field::connection];
  for (const auto& f : req) {
    if (forward_request_header(f.name_string(), connection_tokens)) {
      out.insert(f.name_string(), f.value());
    }
  }
  out.set(http::field::content_type, "application/json");
  out.body() = std::move(body);
  return out;
}

template <class Response>
void copy_response_headers(const http::fields& from, Response& to, const config::Upstream& u) {
  for (const auto& f : from) {
    if (forward_response_header(f.name_string())) {
      to.insert(f.name_string(), f.value());
    }
  }
  to.set("x-spillway-upstream", u.name);
}

// Writes the whole response when it is small and complete, else relays it as a chunked stream.
asio::awaitable<bool> relay(Client& client, upstream::Exchange& x, Dialect dialect, const config::Upstream& u,
                            std::size_t max_whole_body, dialect::UsageSniffer& usage) {
  auto& c = metrics::counters();
  const auto status = static_cast<http::status>(x.status());
  auto& stream = client.stream;
  const auto write_timeout = u.timeouts.between_events;
  const auto length = x.content_length();

  if (!x.is_event_stream() && (x.body_done() || (length && *length <= max_whole_body))) {
    http::response<http::string_body> res{status, client.version};
    copy_response_headers(x.headers(), res, u);
    client.add_response_headers(res);
    if (length) {
      res.body().reserve(*length);
    }
    std::string piece;
    while (co_await x.read_some(piece)) {
      res.body() += piece;
    }
    if (x.error()) {
      // Nothing was sent yet: the client gets a proper error instead of a truncated body.
      x.finish();
      co_return co_await respond_error(client, dialect, *x.error());
    }
    x.finish();
    usage.feed(res.body());
    metrics::count_response(x.status());
    client.sent_status(x.status());
    client.sent_body(res.body());
    res.keep_alive(client.keep_alive);
    res.prepare_payload();
    client.watch.arm(write_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    client.watch.check(ec);
    co_return !ec && client.keep_alive;
  }

  bump(c.streams_relayed);
  const bool chunked = client.version >= 11;
  http::response<http::empty_body> res{status, client.version};
  copy_response_headers(x.headers(), res, u);
  client.add_response_headers(res);
  if (x.is_event_stream()) {
    res.set(http::field::cache_control, "no-cache");
    res.set("x-accel-buffering", "no");  // tell any proxy in front not to buffer the stream
  }
  res.keep_alive(client.keep_alive && chunked);
  res.chunked(chunked);
  // `owed`: bytes due before the next piece (the response header until it is sent, the rest of
  // a keep-alive ping). `last`: the body ends with this piece. Whatever is ready goes out in
  // one write.
  std::string owed = header_text(res);
  QuietStreamPings pings(client, dialect, x.is_event_stream() ? client.stream_ping : std::chrono::milliseconds{0},
                         chunked, owed);
  auto write_piece = [&](std::string_view piece, bool last) -> asio::awaitable<bool> {
    usage.feed(piece);
    client.sent_body(piece);
    client.watch.arm(write_timeout);
    pings.write_started();
    const asio::const_buffer h = asio::buffer(owed);
    boost::system::error_code ec;
    if (!chunked) {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream, std::array{h, asio::buffer(piece)}, use_tuple);
    } else if (piece.empty()) {
      std::tie(ec, std::ignore) = last ? co_await asio::async_write(stream, beast::buffers_cat(h, http::make_chunk_last()), use_tuple)
                                       : co_await asio::async_write(stream, h, use_tuple);
    } else if (last) {
      std::tie(ec, std::ignore) = co_await asio::async_write(
          stream, beast::buffers_cat(h, http::make_chunk(asio::buffer(piece)), http::make_chunk_last()), use_tuple);
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, beast::buffers_cat(h, http::make_chunk(asio::buffer(piece))), use_tuple);
    }
    client.watch.check(ec);
    owed.clear();
    // A ping may follow only a whole event: the relayed bytes so far end with a blank line.
    pings.write_finished(piece.empty() || piece.ends_with("\n\n") || piece.ends_with("\r\r"));
    co_return !ec;
  };

  // The upstream often sends its headers and first event together; so does the gateway.
  std::string piece;
  if (x.has_buffered_body() && !co_await x.read_some(piece) && x.error()) {
    x.finish();
    co_return co_await respond_error(client, dialect, *x.error());  // nothing was sent yet
  }
  metrics::count_response(x.status());
  client.sent_status(x.status());
  {
    const bool last = !piece.empty() && x.body_done();
    if (!piece.empty()) {
      bump(c.stream_events_relayed);
    }
    if (!co_await write_piece(piece, last)) {
      co_return false;
    }
    if (last) {
      x.finish();
      co_return chunked && client.keep_alive;
    }
  }

  while (co_await x.read_some(piece)) {
    bump(c.stream_events_relayed);
    const bool last = x.body_done();
    if (!co_await write_piece(piece, last)) {
      co_return false;  // the client went away; dropping the exchange closes the upstream side
    }
    if (last) {
      x.finish();
      co_return chunked && client.keep_alive;
    }
  }
  if (x.error()) {
    // After the first byte the status is gone: end the stream with an error event the
    // client's SDK raises, never a silent truncation that looks like success.
    bump(c.streams_broken);
    log::warn("stream cut after its first byte: " + x.error()->message);
    if (x.is_event_stream()) {
      const auto event = dialect::error_event(dialect, *x.error());
      co_await write_piece(event, false);
    }
    x.finish();
    co_return false;
  }
  // The body ended without a final piece (an empty body, or a last read that carried only
  // the chunked trailer).
  x.finish();
  if (!chunked) {
    co_return false;
  }
  co_return co_await write_piece({}, true) && client.keep_alive;
}

// Anthropic-dialect token counting for a route whose upstream cannot count: a local estimate.
asio::awaitable<bool> estimate_tokens(Client& client, const dialect::RequestInfo& info) {
  boost::json::object body{{"input_tokens", info.input_token_estimate}};
  co_return co_await respond(client, http::status::ok, "application/json", boost::json::serialize(body));
}

// What a translation dropped is said once in the log and in a response header, so a user can
// tell why the model ignored part of a request (docs/translation.md).
void report_dropped(Client& client, const std::vector<std::string>& dropped, Dialect from, const config::Upstream& u) {
  if (dropped.empty()) {
    return;
  }
  std::string list;
  for (const auto& name : dropped) {
    list += (list.empty() ? "" : ", ") + name;
  }
  log::warn(std::string("translating a ") + (from == Dialect::anthropic ? "Messages" : from == Dialect::openai ? "Chat Completions" : "Responses") +
            " request for upstream '" + u.name + "' dropped: " + list);
  auto& headers = client.response_headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(), [](const auto& h) { return h.first == "x-spillway-dropped"; }),
                headers.end());
  client.response_headers.emplace_back("x-spillway-dropped", std::move(list));
}

void count_failure(const ApiError& e) {
  log::warn(e.message);
  auto& c = metrics::counters();
  if (e.kind == ErrorKind::timeout) {
    bump(c.upstream_timeouts);
  } else {
    bump(c.upstream_connect_failures);
  }
}

}  // namespace

namespace {

ratelimit::Usage usage_for_limits(const dialect::core::Usage& u) {
  ratelimit::Usage out;
  out.input_tokens = u.input_tokens;
  out.output_tokens = u.output_tokens;
  out.cache_read_input_tokens = u.cache_read_input_tokens;
  out.cache_creation_input_tokens = u.cache_creation_input_tokens;
  return out;
}

// A grant not yet settled is released when the exchange ends without usage (the client went
// away, a relay failed): capacity is never leaked.
class GrantHold {
 public:
  GrantHold(Capacity& capacity, const config::Upstream& upstream, const Grant& grant)
      : capacity_(capacity), upstream_(upstream), grant_(grant) {}
  ~GrantHold() {
    if (!done_) {
      capacity_.settle(upstream_, grant_, std::nullopt);
    }
  }
  GrantHold(const GrantHold&) = delete;
  GrantHold& operator=(const GrantHold&) = delete;
  void settle(const std::optional<dialect::core::Usage>& usage) {
    done_ = true;
    capacity_.settle(upstream_, grant_, usage ? std::optional(usage_for_limits(*usage)) : std::nullopt);
  }
  void release() {
    done_ = true;
    capacity_.release(upstream_, grant_);
  }

 private:
  Capacity& capacity_;
  const config::Upstream& upstream_;
  Grant grant_;
  bool done_ = false;
};

// An answer saying the key is out of money or quota, not out of rate (docs/rate-limits.md):
// worth a long cool-down, not a retry in a second.
bool says_credit_exhausted(unsigned status, const http::fields& headers) {
  if (status == 402) {
    return true;
  }
  auto it = headers.find("x-should-retry");
  return status == 429 && it != headers.end() && it->value() == "false";
}

std::string header_value(const ClientRequest& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

// Stages "route" and "admit" (docs/routing.md, docs/keys.md): the first rule whose conditions the
// request meets, its caps, the virtual key's limits and budgets, and what the request asks of
// the capacity model. Fills in the record's route, agent and session; an error is the answer to
// send instead.
std::variant<CapacityRequest, ApiError> admit(Client& client, Worker& worker, Dialect dialect, ClientRequest& req,
                                       const dialect::RequestInfo& info, bool count_tokens) {
  audit::Record* record = client.record;
  const Rules& rules = *client.rules;  // as they were when the request started
  const auto& auth = rules.config.auth;
  // The account stage read the agent and session headers already.
  std::string agent = record != nullptr ? record->agent : header_value(req, "x-spillway-agent");
  if (agent.empty()) {
    agent = client.key_name;
  }
  route::RequestFacts facts;
  facts.model = info.model;
  facts.dialect = dialect;
  facts.header = [&req](std::string_view name) -> std::optional<std::string_view> {
    auto it = req.find(name);
    return it == req.end() ? std::nullopt : std::optional<std::string_view>(it->value());
  };
  facts.key_name = client.key_name;
  facts.agent = agent;
  facts.input_tokens = info.input_token_estimate;
  facts.tools = info.has_tools;
  facts.thinking = info.wants_thinking;
  facts.claude_code = req.find("x-claude-code-session-id") != req.end() ||
                      req[http::field::user_agent].starts_with("claude-cli/");
  const config::Route* route = rules.router.match(facts);
  if (route == nullptr) {
    bump(metrics::counters().unknown_model);
    return rules.router.no_route(info.model);
  }
  if (record != nullptr) {
    record->route = route->label();
  }
  auto resolved = rules.router.chain(*route, info.model);
  if (auto* e = std::get_if<ApiError>(&resolved)) {
    return *e;
  }
  if (route->max_input_tokens > 0 && info.input_token_estimate > route->max_input_tokens) {
    return make_error(ErrorKind::invalid_request,
                      "the request has about " + std::to_string(info.input_token_estimate) + " input tokens, over the " +
                          std::to_string(route->max_input_tokens) + " allowed on route '" + route->label() + "'",
                      ErrorSource::client);
  }
  std::int64_t max_tokens = info.max_tokens;
  if (route->max_tokens > 0 && (max_tokens <= 0 || max_tokens > route->max_tokens) && !count_tokens) {
    req.body() = dialect::cap_max_tokens(dialect, req.body(), route->max_tokens);
    max_tokens = route->max_tokens;
  }

  // A virtual key's own limits, budgets and routes (docs/keys.md), before any capacity is held.
  if (client.virtual_key && !count_tokens) {
    const auto& chain = std::get<std::vector<route::Candidate>>(resolved);
    const std::int64_t tokens = info.input_token_estimate + std::max<std::int64_t>(max_tokens, 0);
    double usd = 0;
    if (auto price = client.rules->prices.find(chain.front().model)) {
      usd = audit::cost_usd(*price, info.input_token_estimate, std::max<std::int64_t>(max_tokens, 0), 0, 0);
    }
    auto admitted = worker.shared.keys->admit(*client.virtual_key, route->label(), tokens, usd);
    if (auto* e = std::get_if<ApiError>(&admitted)) {
      return *e;
    }
    client.key_hold = std::move(std::get<keys::Hold>(admitted));
  }

  // What the request asks of the capacity model (docs/rate-limits.md).
  CapacityRequest ask;
  ask.candidates = std::move(std::get<std::vector<route::Candidate>>(resolved));
  ask.overflow_from = ask.candidates.size();
  if (!count_tokens) {
    for (auto& cand : rules.router.overflow(*route, info.model)) {
      ask.candidates.push_back(std::move(cand));
    }
  }
  ask.excluded.assign(ask.candidates.size(), false);
  ask.demand.input_tokens = info.input_token_estimate;
  ask.demand.max_output_tokens = max_tokens;
  auto max_wait = route->max_wait;
  ask.priority = route->priority;
  ask.agent = std::move(agent);
  if (client.virtual_key && client.virtual_key->settings.priority) {
    ask.priority = *client.virtual_key->settings.priority == "background" ? config::Priority::background
                                                                          : config::Priority::interactive;
  }
  if (const auto& key = client.gateway_key) {
    // A gateway key's own settings override the route's: an agent's key can be background.
    if (auth.key_priority[*key]) {
      ask.priority = *auth.key_priority[*key];
    }
    if (auth.key_max_wait[*key]) {
      max_wait = *auth.key_max_wait[*key];
    }
  }
  ask.deadline = Clock::now() + max_wait;
  if (record != nullptr) {
    ask.session = record->session;
  } else {
    ask.session = header_value(req, "x-claude-code-session-id");
    if (ask.session.empty()) {
      ask.session = header_value(req, "x-spillway-session");
    }
  }
  if (record != nullptr) {
    record->agent = ask.agent;
    record->session = ask.session;
  }
  return ask;
}

}  // namespace

asio::awaitable<bool> handle_proxy(Client& client, Worker& worker, Dialect dialect, ClientRequest& req,
                                   bool count_tokens) {
  auto& c = metrics::counters();
  auto parsed = dialect::parse_request(dialect, req.body());
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    bump(c.bad_json);
    co_return co_await respond_error(client, dialect, *e);
  }
  const auto& info = std::get<dialect::RequestInfo>(parsed);
  audit::Record* record = client.record;
  if (record != nullptr) {
    record->model = info.model;
    record->stream = info.stream;
    record->input_tokens_estimate = info.input_token_estimate;
  }

  auto admitted = admit(client, worker, dialect, req, info, count_tokens);
  if (auto* e = std::get_if<ApiError>(&admitted)) {
    const auto error = *e;
    co_return co_await respond_error(client, dialect, error);
  }
  CapacityRequest& ask = std::get<CapacityRequest>(admitted);
  Capacity& capacity = *worker.shared.capacity;

  std::optional<ApiError> last_error;
  int attempts = 0;
  // Bounded: each candidate may fail once, and 429s (which cool a key down) may repeat a few times.
  const int max_attempts = static_cast<int>(ask.candidates.size()) * 2 + 2;
  while (attempts < max_attempts) {
    std::optional<Grant> grant;
    if (count_tokens) {
      // Token counting is not generation: it is not metered against the generation limits.
      const auto it = std::find(ask.excluded.begin(), ask.excluded.end(), false);
      if (it == ask.excluded.end()) {
        break;
      }
      grant = Grant{static_cast<std::size_t>(it - ask.excluded.begin()), 0, {}, {}};
    } else {
      auto got = co_await capacity.acquire(ask);
      if (auto* e = std::get_if<ApiError>(&got)) {
        // A candidate that failed outright says more than "no capacity" when nothing else is left.
        const bool all_failed = std::all_of(ask.excluded.begin(), ask.excluded.end(), [](bool b) { return b; });
        const auto error = all_failed && last_error ? *last_error : *e;
        co_return co_await refuse_model_request(client, dialect, info.stream, info.model, error);
      }
      grant = std::get<Grant>(got);
    }
    const std::size_t i = grant->candidate;
    const auto& cand = ask.candidates[i];
    const auto& u = *cand.upstream;
    std::optional<GrantHold> hold;
    if (!count_tokens) {
      hold.emplace(capacity, u, *grant);
    }
    ++attempts;
    if (record != nullptr) {
      record->upstream = u.name;
      record->upstream_model = cand.model;
      record->attempts = attempts;
      record->queued_ms += std::chrono::duration_cast<std::chrono::milliseconds>(grant->queued).count();
      record->overflowed = i >= ask.overflow_from;
    }
    // Responses go as they are to an OpenAI upstream that serves them; else translated.
    const bool translating = u.kind != dialect && !(dialect == Dialect::responses && u.responses);
    if (translating && count_tokens) {
      // An OpenAI-compatible server cannot count Anthropic tokens: a local estimate.
      co_return co_await estimate_tokens(client, info);
    }
    std::optional<TranslatedRequest> translated;
    if (translating) {
      auto t = translate_request(dialect, u.kind, req.body(), cand.model);
      if (auto* e = std::get_if<ApiError>(&t)) {
        const auto error = *e;  // untranslatable: no other candidate would do better
        co_return co_await respond_error(client, dialect, error);
      }
      translated = std::move(std::get<TranslatedRequest>(t));
      if (u.kind == Dialect::openai && req.find("anthropic-beta") != req.end()) {
        // Beta flags mean nothing to an OpenAI-compatible server (adapt_headers removes them).
        translated->dropped.push_back("anthropic-beta");
      }
      report_dropped(client, translated->dropped, dialect, u);
    }
    if (last_error) {
      bump(c.failovers);
    }
    // The body is copied for every attempt but the last possible one, which may take the
    // client's own.
    const bool last = attempts == max_attempts;
    std::string body = translated                 ? std::move(translated->body)
                       : cand.model != info.model ? dialect::rewrite_model(req.body(), cand.model)
                       : last                     ? std::move(req.body())
                                                  : std::string(req.body());
    auto up_req = build_upstream_request(req, u, translating ? u.kind : dialect, count_tokens, std::move(body));
    if (translating) {
      adapt_headers(up_req, dialect, u.kind);
    }
    upstream::Exchange x(worker.pool_for(*client.rules, u), u, Clock::now() + u.timeouts.total);
    bump(c.upstream_attempts);
    if (auto err = co_await x.start(up_req, grant->key)) {
      count_failure(*err);
      note_refusal(record, u.name, err->kind == ErrorKind::timeout ? "timeout" : "connect");
      if (hold) {
        hold->release();
        capacity.failed(u);
      }
      ask.excluded[i] = true;
      last_error = std::move(err);
      continue;
    }
    const auto status = x.status();
    if (!count_tokens) {
      capacity.observe(u, grant->key, x.headers(), status == 429);
      if (status != 429 && status < 500) {
        capacity.accepted(u, grant->key);
      } else if (status >= 500) {
        capacity.failed(u);
      }
      if (says_credit_exhausted(status, x.headers())) {
        capacity.credit_exhausted(u, grant->key, "upstream answered " + std::to_string(status) + " (credit or quota)");
      }
    }
    if (status == 400 && u.kind == Dialect::anthropic && !count_tokens && !x.is_event_stream()) {
      // Anthropic says an exhausted credit balance with a 400: read the (small) error body to
      // tell it from a bad request, since another key or candidate can still serve it.
      std::string error_body;
      std::string piece;
      while (error_body.size() <= 64 * 1024 && co_await x.read_some(piece)) {
        error_body += piece;
      }
      const bool complete = x.body_done() && !x.error();
      x.finish();
      if (complete && error_body.find("credit balance") != std::string::npos) {
        capacity.credit_exhausted(u, grant->key, "upstream answered 400: credit balance too low");
        note_refusal(record, u.name, "credit");
        hold->release();
        const bool may_retry = !last && Clock::now() < ask.deadline;
        if (may_retry) {
          last_error = make_error(ErrorKind::invalid_request, "upstream '" + u.name + "': credit balance too low",
                                  ErrorSource::upstream);
          last_error->status = 400;
          log::warn(last_error->message + "; trying another key or candidate");
          continue;
        }
      } else {
        hold->release();  // a refused request is not metered
      }
      client.response_headers.emplace_back("x-spillway-attempts", std::to_string(attempts));
      if (!complete) {
        co_return co_await respond_error(
            client, dialect, x.error() ? *x.error() : make_error(ErrorKind::bad_gateway, "upstream error body too large", ErrorSource::upstream));
      }
      if (translated) {
        co_return co_await respond(client, http::status::bad_request, "application/json",
                                   dialect::translate_error_body(u.kind, error_dialect(dialect), 400, error_body), u.name);
      }
      co_return co_await respond(client, http::status::bad_request, "application/json", std::move(error_body), u.name);
    }
    if ((status == 429 || status >= 500) && !count_tokens) {
      // A 5xx takes the candidate out for this request; a 429 cooled its key down above
      // (retry-after honoured in full), so a retry goes to another key, candidate or later.
      if (status != 429) {
        ask.excluded[i] = true;
      }
      const bool may_retry = !last && Clock::now() < ask.deadline &&
                             !std::all_of(ask.excluded.begin(), ask.excluded.end(), [](bool b) { return b; });
      if (may_retry) {
        // Nothing reached the client yet.
        bump(c.upstream_error_statuses);
        note_refusal(record, u.name, std::to_string(status));
        last_error = make_error(status == 429 ? ErrorKind::rate_limit : ErrorKind::bad_gateway,
                                "upstream '" + u.name + "' answered " + std::to_string(status), ErrorSource::upstream);
        log::warn(last_error->message + "; trying again");
        hold->release();
        continue;
      }
    }
    client.response_headers.emplace_back("x-spillway-attempts", std::to_string(attempts));
    client.response_headers.emplace_back(
        "x-spillway-queued-ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(grant->queued).count()));
    const auto max_whole = client.rules->config.limits.max_upstream_response_bytes;
    std::optional<dialect::core::Usage> usage;
    bool keep;
    if (translated) {
      keep = co_await relay_translated(client, x, dialect, u, info, *translated, max_whole, usage);
    } else {
      dialect::UsageSniffer sniffer(dialect);
      keep = co_await relay(client, x, dialect, u, max_whole, sniffer);
      usage = sniffer.usage();
    }
    if (record != nullptr && usage) {
      record->input_tokens = usage->input_tokens;
      record->output_tokens = usage->output_tokens;
      record->cache_read_tokens = usage->cache_read_input_tokens;
      record->cache_write_tokens = usage->cache_creation_input_tokens;
    }
    if (hold) {
      if (status == 429 || status >= 500) {
        hold->release();  // the upstream did not count a refused request
      } else {
        hold->settle(usage);
      }
    }
    co_return keep;
  }

  // Every attempt failed before answering (a route always has at least one candidate).
  const auto error = last_error ? *last_error
                                : make_error(ErrorKind::bad_gateway, "no upstream answered", ErrorSource::gateway);
  co_return co_await refuse_model_request(client, dialect, info.stream, info.model, error);
}

}  // namespace spillway::server
