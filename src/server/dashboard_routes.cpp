#include "server/dashboard_routes.hpp"

#include <limits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/wall_clock.hpp"
#include "dashboard/assets.hpp"
#include "dashboard/history.hpp"
#include "dashboard/live.hpp"
#include "dashboard/query.hpp"
#include "metrics/counters.hpp"
#include "server/capacity.hpp"
#include "server/respond.hpp"

namespace spillway::server {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds event_period{1};
constexpr std::chrono::seconds write_timeout{30};
constexpr std::int64_t default_minutes = 60;

void no_store(Client& client) {
  client.response_headers.emplace_back("cache-control", "no-store");
}

ApiError bad_query(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message), ErrorSource::client);
}

std::string stats_body(Worker& worker, std::size_t minutes) {
  return worker.shared.live->stats_json(unix_ms(), minutes, worker.shared.capacity->admin_json());
}

// One event a second until the client goes, the gateway drains, or a write stalls. The
// response has no length: the connection's close ends it.
asio::awaitable<bool> stream_events(Client& client, Worker& worker, Dialect dialect, std::size_t minutes) {
  auto& live = *worker.shared.live;
  const auto held = live.streams.take();
  if (!held) {
    auto e = make_error(ErrorKind::overloaded,
                        "too many dashboard event streams open (" + std::to_string(live.streams.max()) +
                            "): close one, or poll /admin/stats",
                        ErrorSource::gateway);
    e.status = 503;
    co_return co_await respond_error(client, dialect, e);
  }

  http::response<http::empty_body> res{http::status::ok, client.version};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  metrics::count_response(200);
  std::string out = header_text(res);
  if (client.head_only) {
    client.watch.arm(write_timeout);
    auto [ec, n] = co_await asio::async_write(client.stream, asio::buffer(out), use_tuple);
    client.watch.check(ec);
    co_return false;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    out += "event: stats\ndata: ";
    out += stats_body(worker, minutes);
    out += "\n\n";
    client.watch.arm(write_timeout);
    auto [ec, n] = co_await asio::async_write(client.stream, asio::buffer(out), use_tuple);
    client.watch.check(ec);
    out.clear();
    if (ec || worker.draining) {
      break;
    }
    timer.expires_after(event_period);
    auto [tec] = co_await timer.async_wait(use_tuple);
    if (tec || worker.draining) {
      break;  // never write more often than once a period
    }
  }
  co_return false;
}

asio::awaitable<dashboard::HistoryAnswer> build_history(dashboard::HistorySource source,
                                                        dashboard::HistoryQuery query, std::int64_t now_ms) {
  co_return dashboard::history_report(source, query, now_ms);
}

asio::awaitable<bool> history(Client& client, Worker& worker, Dialect dialect, const ClientRequest& req) {
  auto& live = *worker.shared.live;
  dashboard::HistoryQuery query;
  query.since = dashboard::query_value(req.target(), "since");
  query.until = dashboard::query_value(req.target(), "until");
  query.by = dashboard::query_value(req.target(), "by");
  const auto held = live.history.take();
  if (!held) {
    auto e = make_error(ErrorKind::overloaded, "the dashboard's history reports are all busy: try again shortly",
                        ErrorSource::gateway);
    e.status = 503;
    e.retry_after_s = 1;
    co_return co_await respond_error(client, dialect, e);
  }
  dashboard::HistorySource source{worker.shared.config.audit.sqlite,
                                  worker.shared.config.source == "environment" ? "" : worker.shared.config.source};
  const auto now = unix_ms();
  // Off the I/O thread: the report reads SQLite. Resumes on this worker's executor. (A plain
  // function, its arguments copied into its frame: no lambda or temporary lives across the
  // suspension, which g++ 12 gets wrong.)
  auto report = build_history(std::move(source), std::move(query), now);
  auto answer = co_await asio::co_spawn(worker.shared.background->get_executor(), std::move(report),
                                        asio::use_awaitable);
  if (answer.status == 200) {
    no_store(client);
    co_return co_await respond(client, http::status::ok, "application/json", std::move(answer.body));
  }
  auto e = make_error(answer.status == 404 ? ErrorKind::not_found : ErrorKind::invalid_request, answer.body,
                      ErrorSource::client);
  e.status = answer.status;
  co_return co_await respond_error(client, dialect, e);
}

}  // namespace

asio::awaitable<bool> handle_ui(Client& client, Worker& worker, Dialect dialect, std::string_view path) {
  const auto* asset = dashboard::find_asset(path);
  if (asset == nullptr) {
    co_return co_await respond_error(
        client, dialect, make_error(ErrorKind::not_found, "no such file: " + std::string(path), ErrorSource::client));
  }
  // Only the gateway's own files and API: no inline script, nothing from another origin.
  client.response_headers.emplace_back("content-security-policy",
                                       "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                       "frame-ancestors 'none'");
  client.response_headers.emplace_back("x-content-type-options", "nosniff");
  client.response_headers.emplace_back("cache-control", "no-cache");
  co_return co_await respond(client, http::status::ok, asset->content_type, std::string(asset->body));
}

bool is_dashboard_api(std::string_view path) {
  return path == "/admin/stats" || path == "/admin/events" || path == "/admin/recent" || path == "/admin/history";
}

asio::awaitable<bool> handle_dashboard_api(Client& client, Worker& worker, Dialect dialect, const ClientRequest& req,
                                           std::string_view path) {
  const auto& live = *worker.shared.live;
  std::optional<ApiError> error;
  try {
    if (path == "/admin/history") {
      co_return co_await history(client, worker, dialect, req);
    }
    const auto minutes = static_cast<std::size_t>(dashboard::query_count(
        req.target(), "minutes", 1, static_cast<std::int64_t>(live.minutes_kept()), default_minutes));
    if (path == "/admin/events") {
      co_return co_await stream_events(client, worker, dialect, minutes);
    }
    if (path == "/admin/stats") {
      no_store(client);
      co_return co_await respond(client, http::status::ok, "application/json", stats_body(worker, minutes));
    }
    const auto limit = dashboard::query_count(req.target(), "limit", 1, static_cast<std::int64_t>(live.recent_kept()), 50);
    const auto after = dashboard::query_count(req.target(), "after", 0, std::numeric_limits<std::int64_t>::max(), 0);
    no_store(client);
    co_return co_await respond(
        client, http::status::ok, "application/json",
        live.recent_json(static_cast<std::size_t>(limit), static_cast<std::uint64_t>(after)));
  } catch (const dashboard::QueryError& e) {
    error = bad_query(e.message);
  }
  co_return co_await respond_error(client, dialect, *error);
}

}  // namespace spillway::server
