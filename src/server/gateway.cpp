#include "server/gateway.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <iostream>
#include <functional>
#include <thread>

#include "common/wall_clock.hpp"
#include "audit/sink.hpp"
#include "common/log.hpp"
#include "dashboard/live.hpp"
#include "metrics/counters.hpp"
#include "server/capacity.hpp"
#include "server/worker.hpp"
#include "upstream/connection.hpp"

namespace spillway::server {

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// A session that throws is a bug; it must not take the process down with it.
void report_exception(std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::error(std::string("session failed: ") + ex.what());
  }
}

// Accepts on the worker's listener until it closes, or until a reload replaces it (a new loop
// then accepts on the new one).
asio::awaitable<void> accept_loop(Worker& worker) {
  asio::steady_timer backoff(worker.ioc);
  const auto generation = worker.listener_generation;
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor->async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || generation != worker.listener_generation) {
      co_return;  // (a connection accepted just before a replacement is still served below)
    }
    if (ec) {
      // Out of descriptors or memory: pause instead of spinning on the same error.
      backoff.expires_after(std::chrono::milliseconds{20});
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(worker.ioc, run_session(std::move(socket), worker), report_exception);
  }
}

// One listening socket per worker on host:port (SO_REUSEPORT: the kernel spreads connections
// across them); port 0 becomes the port the first bind chose. Returns "HOST:PORT" as bound.
std::string open_listeners(const std::vector<std::unique_ptr<Worker>>& workers, const std::string& host,
                           std::uint16_t port, std::vector<tcp::acceptor>& out) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on '" + host + "': not an IP address");
  }
  tcp::endpoint endpoint(address, port);
  for (auto& w : workers) {
    tcp::acceptor acceptor(w->ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.set_option(reuse_port(true));
    acceptor.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(endpoint.port()) + ": " +
                               ec.message());
    }
    acceptor.listen(asio::socket_base::max_listen_connections);
    endpoint = acceptor.local_endpoint();
    out.push_back(std::move(acceptor));
  }
  const auto shown = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                 : endpoint.address().to_string();
  return shown + ":" + std::to_string(endpoint.port());
}

}  // namespace

namespace {

// A price table: the built-in one behind the config's own entries.
audit::PriceTable prices_for(const config::Audit& audit) {
  auto prices = audit::PriceTable::builtin();
  if (!audit.prices_file.empty()) {
    prices.put_in_front(audit::PriceTable::parse(audit.prices_yaml, audit.prices_file));
  }
  return prices;
}

}  // namespace

Rules::Rules(config::Config c, const Rules* previous)
    : config(std::move(c)), router(config, config.upstreams), authenticator(config.auth),
      prices(prices_for(config.audit)) {
  for (const auto& u : config.upstreams) {
    std::shared_ptr<asio::ssl::context> context;
    if (previous != nullptr) {
      // Reuse the context of the same upstream when its TLS settings did not change.
      for (std::size_t i = 0; i < previous->config.upstreams.size(); ++i) {
        const auto& old = previous->config.upstreams[i];
        if (old.name == u.name && old.tls == u.tls && old.ca_file == u.ca_file) {
          context = previous->tls[i];
        }
      }
    }
    tls.push_back(context || !u.tls ? context : upstream::make_tls_context(u));
  }
}

Shared::Shared(config::Config c) : config(std::move(c)), capacity(std::make_unique<Capacity>()) {
  auto in_force = std::make_shared<Rules>(config, nullptr);
  capacity->adopt(in_force->config.upstreams);
  rules.store(std::move(in_force));
  std::vector<std::string> names;  // upstreams added by a reload appear with their first request
  for (const auto& u : config.upstreams) {
    names.push_back(u.name);
  }
  live = std::make_unique<dashboard::Live>(names, unix_ms());
  background = std::make_unique<asio::thread_pool>(1);
  if (!config.audit.sqlite.empty()) {
    audit::SinkOptions options;
    options.path = config.audit.sqlite;
    options.queue_limit = config.audit.queue_limit;
    options.flush_interval = config.audit.flush_interval;
    audit = std::make_unique<audit::Sink>(std::move(options));
    keys = std::make_unique<keys::KeyGate>(config.audit.sqlite);  // the schema exists now
  }
}

Shared::~Shared() = default;

std::string Shared::reload() {
  std::lock_guard lock(reload_mutex);
  constexpr std::string_view refused = "the new config was refused, the running one stays: ";
  config::Config fresh;
  try {
    fresh = config.source == "environment" ? config::from_env() : config::load_file(config.source);
  } catch (const std::exception& e) {
    metrics::bump(metrics::counters().reload_failures);
    return std::string(refused) + e.what();
  }
  if (config.listen_from_command_line) {
    fresh.listen_host = config.listen_host;
    fresh.listen_port = config.listen_port;
    fresh.listen_from_command_line = true;
  }
  if (auto what = config::unreloadable_change(config, fresh)) {
    metrics::bump(metrics::counters().reload_failures);
    return std::string(refused) + *what +
           " changed, which takes a restart (a reload applies everything but threads and the audit database)";
  }
  const auto previous = current_rules();
  std::shared_ptr<const Rules> next;
  std::function<void()> move_listeners;
  const bool listen_changed = fresh.listen_host != config.listen_host || fresh.listen_port != config.listen_port;
  try {
    // Everything that can fail comes before the rate state takes the new upstreams and the new
    // listeners replace the old, so that a refusal changes nothing. adopt() fills in the
    // upstreams' state slots in place; the router's pointers to them stay valid.
    auto built = std::make_shared<Rules>(std::move(fresh), previous.get());
    if (listen_changed) {
      move_listeners = relisten(built->config.listen_host, built->config.listen_port);
    }
    capacity->adopt(built->config.upstreams);
    next = std::move(built);
  } catch (const std::exception& e) {
    metrics::bump(metrics::counters().reload_failures);
    return std::string(refused) + e.what();
  }
  if (move_listeners) {
    config.listen_host = next->config.listen_host;
    config.listen_port = next->config.listen_port;
    move_listeners();
  }
  const auto routes = next->config.routes.size();
  const auto upstreams = next->config.upstreams.size();
  rules.store(std::move(next), std::memory_order_release);
  metrics::bump(metrics::counters().reloads);
  log::info("reloaded " + config.source + ": " + std::to_string(upstreams) + " upstreams and " +
            std::to_string(routes) + " routes in force for new requests");
  return {};
}

Worker::Worker(Shared& s) : shared(s) {}

upstream::Pool& Worker::pool_for(const Rules& rules, const config::Upstream& u) {
  const auto slot = u.state_slot;
  if (slot >= pools.size()) {
    pools.resize(slot + 1);
  }
  const auto& tls = rules.tls[static_cast<std::size_t>(&u - rules.config.upstreams.data())];
  auto& pool = pools[slot];
  if (!pool || !pool->serves(u, tls.get())) {
    if (pool) {
      pool->retire();
      retired_pools.push_back(std::move(pool));
    }
    pool = std::make_unique<upstream::Pool>(u, tls, watchdog);
  }
  pool->set_max_idle(u.max_idle_connections);
  return *pool;
}

void Worker::begin_drain(std::chrono::milliseconds grace) {
  draining = true;
  grace_timer.emplace(ioc, grace);
  grace_timer->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      ioc.stop();
    }
  });
  if (acceptor) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  watchdog.close_idle();
  if (sessions == 0) {
    ioc.stop();
  }
}

void Worker::session_ended() {
  --sessions;
  if (draining && sessions == 0) {
    ioc.stop();
  }
}

struct Gateway::Impl {
  explicit Impl(config::Config c) : shared(std::move(c)) {
    int n = shared.config.threads > 0 ? shared.config.threads
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) {
      workers.push_back(std::make_unique<Worker>(shared));
    }
    // A reload that changes `listen`: the new sockets are bound first (a failure refuses the
    // reload), then each worker swaps them in on its own thread. Connections already open stay.
    shared.relisten = [this](const std::string& host, std::uint16_t port) -> std::function<void()> {
      auto acceptors = std::make_shared<std::vector<tcp::acceptor>>();
      auto bound = open_listeners(workers, host, port, *acceptors);
      return [this, acceptors, bound] {
        for (std::size_t i = 0; i < workers.size(); ++i) {
          Worker& w = *workers[i];
          asio::post(w.ioc, [&w, acceptors, i] {
            if (w.draining) {
              return;  // shutting down: no new listener
            }
            ++w.listener_generation;
            w.acceptor.emplace(std::move((*acceptors)[i]));  // the old one closes, its loop ends
            asio::co_spawn(w.ioc, accept_loop(w), report_exception);
          });
        }
        log::info("reload: listening on http://" + bound + " instead");
        std::cout << "spillway listening on http://" << bound << std::endl;
      };
    };
  }
  Shared shared;
  std::vector<std::unique_ptr<Worker>> workers;
};

Gateway::Gateway(config::Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Gateway::~Gateway() = default;

std::string Gateway::bind() {
  const auto& cfg = impl_->shared.config;
  std::vector<tcp::acceptor> acceptors;
  auto bound = open_listeners(impl_->workers, cfg.listen_host, cfg.listen_port, acceptors);
  for (std::size_t i = 0; i < acceptors.size(); ++i) {
    impl_->workers[i]->acceptor.emplace(std::move(acceptors[i]));
  }
  return bound;
}

void Gateway::run() {
  serve();
  // The workers are done; what the audit writer still holds goes to disk before the process
  // ends. A signal now would kill the process with the default action and lose those records:
  // ignore them for the few milliseconds this takes.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  if (auto& audit = impl_->shared.audit) {
    audit->stop();
    log::info("audit: " + std::to_string(audit->written()) + " records written to " + audit->path());
  }
}

void Gateway::serve() {
  auto& workers = impl_->workers;
  const auto grace = impl_->shared.current_rules()->config.limits.shutdown_grace;
  // First signal: drain (each worker stops when its last connection closes, or when the grace
  // period ends). Second signal: stop now.
  asio::signal_set signals(workers[0]->ioc, SIGINT, SIGTERM);
  auto stop_all = [&workers] {
    for (auto& w : workers) {
      w->ioc.stop();
    }
  };
  // SIGHUP: re-read the config (Shared::reload); the requests in flight keep their rules.
  asio::signal_set hangup(workers[0]->ioc, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup = [&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    if (auto why = impl_->shared.reload(); !why.empty()) {
      log::warn(why);
    }
    hangup.async_wait(on_hangup);
  };
  hangup.async_wait(on_hangup);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    log::info("draining: no new connections; requests in flight have " + std::to_string(grace.count()) +
              " ms to finish");
    for (auto& w : workers) {
      asio::post(w->ioc, [&w = *w, grace] { w.begin_drain(grace); });
    }
    signals.async_wait([&stop_all](const boost::system::error_code& again, int) {
      if (!again) {
        stop_all();
      }
    });
  });
  for (auto& w : workers) {
    asio::co_spawn(w->ioc, accept_loop(*w), report_exception);
  }
  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i) {
    threads.emplace_back([&w = *workers[i]] { w.ioc.run(); });
  }
  workers[0]->ioc.run();
}

}  // namespace spillway::server
