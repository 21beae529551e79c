// One client connection: read requests with hard limits, dispatch each by path, repeat while
// keep-alive holds. Stage 1 (listen) and the routing table of the gateway's endpoints.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "common/log.hpp"
#include "dialect/models.hpp"
#include "audit/sink.hpp"
#include "metrics/counters.hpp"
#include "metrics/requests.hpp"
#include "server/account.hpp"
#include "server/admin_policy.hpp"
#include "server/capacity.hpp"
#include "server/dashboard_routes.hpp"
#include "server/respond.hpp"

namespace spillway::server {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// The dialect to answer in. The path says it for the model endpoints; elsewhere an
// anthropic-version header (every Anthropic SDK sends one) says Anthropic.
Dialect dialect_of(std::string_view path, const ClientRequest& req) {
  if (path.starts_with("/v1/messages")) {
    return Dialect::anthropic;
  }
  if (path.ends_with("/chat/completions")) {
    return Dialect::openai;
  }
  if (path == "/v1/responses" || path == "/responses" || path.starts_with("/v1/responses/")) {
    return Dialect::responses;
  }
  return req.find("anthropic-version") != req.end() ? Dialect::anthropic : Dialect::openai;
}

asio::awaitable<bool> handle_models(Client& client, Worker& worker, Dialect dialect) {
  std::vector<dialect::ModelEntry> entries;
  for (const auto& m : client.rules->router.exposed_models()) {
    entries.push_back({m.id, m.upstream});
  }
  co_return co_await respond(client, http::status::ok, "application/json", dialect::models_body(dialect, entries));
}

// GET /v1/models/{id}: one model the gateway exposes, or 404 in the caller's dialect.
asio::awaitable<bool> handle_model(Client& client, Worker& worker, Dialect dialect, std::string_view id) {
  for (const auto& m : client.rules->router.exposed_models()) {
    if (m.id == id) {
      // Built before the co_await: g++ 12 double-destroys aggregate temporaries that live
      // across a suspension point.
      auto body = dialect::model_body(dialect, dialect::ModelEntry{m.id, m.upstream});
      co_return co_await respond(client, http::status::ok, "application/json", std::move(body));
    }
  }
  co_return co_await respond_error(
      client, dialect,
      make_error(ErrorKind::not_found, "model '" + std::string(id) + "' is not served by this gateway",
                 ErrorSource::client));
}

asio::awaitable<bool> handle_ready(Client& client, Worker& worker) {
  boost::json::array names;
  for (const auto& u : client.rules->config.upstreams) {
    names.emplace_back(u.name);
  }
  boost::json::object body{{"status", "ready"}, {"config", worker.shared.config.source}, {"upstreams", std::move(names)}};
  co_return co_await respond(client, http::status::ok, "application/json", boost::json::serialize(body));
}

asio::awaitable<bool> dispatch(Client& client, Worker& worker, ClientRequest& req) {
  metrics::bump(metrics::counters().requests_total);
  const auto path = path_of(req.target());
  // HEAD is GET without the body (respond() leaves it out).
  const auto method = req.method() == http::verb::head ? http::verb::get : req.method();
  const auto dialect = dialect_of(path, req);

  if (path == "/healthz" && method == http::verb::get) {
    co_return co_await respond(client, http::status::ok, "application/json", R"({"status":"ok"})");
  }
  if (path == "/readyz" && method == http::verb::get) {
    co_return co_await handle_ready(client, worker);
  }
  if (path == "/metrics" && method == http::verb::get) {
    const auto* sink = worker.shared.audit.get();
    co_return co_await respond(
        client, http::status::ok, "text/plain; version=0.0.4",
        metrics::render_prometheus(metrics::counters()) + metrics::render_requests() +
            worker.shared.capacity->prometheus() +
            metrics::render_audit(sink != nullptr, sink ? sink->written() : 0, sink ? sink->dropped() : 0,
                                  sink ? sink->queued() : 0));
  }

  // The dashboard's page holds no figures (its API does, behind the admin check below), and a
  // browser's navigation sends no key: served wherever the admin API may answer.
  if ((path == "/ui" || path.starts_with("/ui/")) && method == http::verb::get) {
    if (auto why = admin_refusal(client.rules->config, true)) {
      co_return co_await respond_error(client, dialect, make_error(ErrorKind::permission, *why, ErrorSource::client));
    }
    co_return co_await handle_ui(client, worker, dialect, path);
  }

  const bool is_messages = path == "/v1/messages";
  const bool is_count = path == "/v1/messages/count_tokens";
  const bool is_chat = path == "/v1/chat/completions" || path == "/chat/completions";
  // Codex appends /responses to its provider's base_url, with or without /v1.
  const bool is_responses = path == "/v1/responses" || path == "/responses";
  const bool is_models = path == "/v1/models" || path == "/models";
  // Every model request is accounted for, refused ones included (server/account.hpp).
  std::optional<RequestAccount> account;
  if ((is_messages || is_count || is_chat || is_responses) && method == http::verb::post) {
    account.emplace(client, worker, req, dialect,
                    is_count ? "count_tokens" : is_chat ? "chat" : is_responses ? "responses" : "messages");
  }

  auto header = [&req](std::string_view name) {
    auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view{it->value()};
  };
  // One digest per request: the key's index serves the auth check, the admin check and the
  // key's queueing settings.
  client.gateway_key = client.rules->authenticator.identify(header("x-api-key"), header("authorization"));
  if (!client.gateway_key && worker.shared.keys) {
    // Not a key of the config: perhaps one made with `spillway keys create`.
    const auto presented = auth::Authenticator::presented(header("x-api-key"), header("authorization"));
    if (!presented.empty() && worker.shared.keys->size() > 0) {
      client.virtual_key = worker.shared.keys->find(config::sha256_hex(presented));
    }
  }
  if (client.gateway_key) {
    client.key_name = client.rules->config.auth.key_names[*client.gateway_key];
  } else if (client.virtual_key) {
    client.key_name = client.virtual_key->name;
  }
  if (account) {
    account->record().key_name = client.key_name;
  }
  if (!client.rules->authenticator.open() && !client.gateway_key && !client.virtual_key) {
    metrics::bump(metrics::counters().auth_rejected);
    co_return co_await respond_error(
        client, dialect,
        make_error(ErrorKind::authentication,
                   "invalid or missing gateway key: send it as x-api-key or Authorization: Bearer",
                   ErrorSource::client));
  }

  const bool admin_limits = path == "/admin/limits" && method == http::verb::get;
  const bool admin_reload = path == "/admin/reload" && method == http::verb::post;
  const bool dashboard_api = is_dashboard_api(path) && method == http::verb::get;
  if (admin_limits || admin_reload || dashboard_api) {
    const auto& key = client.gateway_key;
    if (auto why = admin_refusal(client.rules->config, key && client.rules->config.auth.key_admin[*key])) {
      co_return co_await respond_error(client, dialect, make_error(ErrorKind::permission, *why, ErrorSource::client));
    }
    if (admin_limits) {
      co_return co_await respond(client, http::status::ok, "application/json", worker.shared.capacity->admin_json());
    }
    if (dashboard_api) {
      co_return co_await handle_dashboard_api(client, worker, dialect, req, path);
    }
    // The same as SIGHUP, with the answer: 200 when the new rules are in force, else 400 saying
    // why the running ones stay.
    if (auto why = worker.shared.reload(); !why.empty()) {
      log::warn(why);
      co_return co_await respond_error(client, dialect, make_error(ErrorKind::invalid_request, why, ErrorSource::client));
    }
    boost::json::object body{{"reloaded", true}, {"routes", worker.shared.current_rules()->config.routes.size()}};
    co_return co_await respond(client, http::status::ok, "application/json", boost::json::serialize(body));
  }

  if ((is_messages || is_count || is_chat || is_responses) && method == http::verb::post) {
    co_return co_await handle_proxy(client, worker, dialect, req, is_count);
  }
  if (is_models && method == http::verb::get) {
    co_return co_await handle_models(client, worker, dialect);
  }
  if (path.starts_with("/v1/models/") && path.size() > 11 && method == http::verb::get) {
    co_return co_await handle_model(client, worker, dialect, path.substr(11));
  }
  if (path.starts_with("/v1/responses/")) {
    // Retrieving, cancelling or listing the items of a stored response.
    co_return co_await respond_error(
        client, dialect,
        make_error(ErrorKind::not_found,
                   "responses are not stored by this gateway, so they cannot be retrieved; send the whole "
                   "conversation in input",
                   ErrorSource::client));
  }
  if (is_messages || is_count || is_chat || is_responses || is_models) {
    auto e = make_error(ErrorKind::invalid_request,
                                                std::string(http::to_string(method)) + " is not allowed on " +
                                                    std::string(path),
                                                ErrorSource::client);
    e.status = 405;
    co_return co_await respond_error(client, dialect, e);
  }
  co_return co_await respond_error(
      client, dialect, make_error(ErrorKind::not_found, "no such endpoint: " + std::string(path), ErrorSource::client));
}

ApiError too_large(const config::Limits& limits) {
  metrics::bump(metrics::counters().body_too_large);
  return make_error(ErrorKind::request_too_large,
                    "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes",
                    ErrorSource::client);
}

// Answers a request that could not be read, then the connection closes.
asio::awaitable<void> refuse(tcp::socket& socket, upstream::Watch& watch, Dialect dialect, ApiError error) {
  Client client{socket, watch, 11, false, false, {}, {}, {}};
  co_await respond_error(client, dialect, error);
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, Worker& worker) {
  ++worker.sessions;
  struct Ended {
    Worker& w;
    ~Ended() { w.session_ended(); }
  } ended{worker};
  upstream::Watch watch(worker.watchdog, socket);
  beast::flat_buffer buffer;

  for (;;) {
    // Reading takes the limits in force now; the request itself, the config in force once its
    // headers are in (a request that comes after a reload has the new one).
    const auto reading = worker.shared.current_rules();
    const auto& limits = reading->config.limits;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);

    // Also bounds how long an idle keep-alive connection is held.
    watch.arm(limits.client_header_timeout);
    watch.set_idle(buffer.size() == 0);  // nothing of the next request read yet
    auto [hec, hn] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
    watch.set_idle(false);
    watch.check(hec);
    if (hec) {
      // Beast refuses a Content-Length over the limit while still reading the headers.
      if (hec == http::error::body_limit) {
        co_await refuse(socket, watch, dialect_of(path_of(parser.get().target()), parser.get()), too_large(limits));
      } else if (hec == http::error::header_limit) {
        auto e = make_error(ErrorKind::invalid_request,
                                   "request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes",
                                   ErrorSource::client);
        e.status = 431;
        co_await refuse(socket, watch, dialect_of(path_of(parser.get().target()), parser.get()), e);
      } else if (hec != http::error::end_of_stream && hec != beast::error::timeout && hec != asio::error::eof &&
                 hec != asio::error::connection_reset) {
        co_await refuse(socket, watch, Dialect::openai,
                        make_error(ErrorKind::invalid_request, "malformed HTTP request: " + hec.message(),
                                   ErrorSource::client));
      }
      break;
    }

    auto rules = worker.shared.current_rules();
    const auto& head = parser.get();
    const auto dialect = dialect_of(path_of(head.target()), head);
    if (auto length = parser.content_length(); length && *length > limits.max_body_bytes) {
      co_await refuse(socket, watch, dialect, too_large(limits));
      break;
    }
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      watch.arm(limits.client_body_timeout);
      static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(socket, asio::buffer(continue_line), use_tuple);
      watch.check(cec);
      if (cec) {
        break;
      }
    }
    if (!parser.is_done()) {
      watch.arm(limits.client_body_timeout);
      auto [bec, bn] = co_await http::async_read(socket, buffer, parser, use_tuple);
      watch.check(bec);
      if (bec == http::error::body_limit) {
        co_await refuse(socket, watch, dialect, too_large(limits));
        break;
      }
      if (bec) {
        break;
      }
    }

    ClientRequest req = parser.release();
    Client client{socket, watch, req.version(), req.keep_alive() && !worker.draining,
                  req.method() == http::verb::head, rules->config.limits.stream_ping, {}, {}, std::move(rules)};
    const bool again = co_await dispatch(client, worker, req);
    if (!again || worker.draining) {
      break;
    }
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace spillway::server
