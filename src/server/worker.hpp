#pragma once
// State of the serving side, internal to server/: what all workers share (immutable config,
// router, authenticator, TLS contexts) and what each worker owns (io_context, pools).
// Pulls in Beast: include only from server/*.cpp.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/container/small_vector.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "audit/prices.hpp"
#include "audit/record.hpp"
#include "auth/authenticator.hpp"
#include "keys/gate.hpp"
#include "config/config.hpp"
#include "route/router.hpp"
#include "upstream/deadline.hpp"
#include "upstream/pool.hpp"

namespace spillway::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Capacity;
}  // namespace spillway::server
namespace spillway::audit {
class Sink;
}
namespace spillway::dashboard {
class Live;
}
namespace boost::asio {
class thread_pool;
}
namespace spillway::server {

// The config in force, with what is built from it. A reload replaces it whole; a request takes
// the current one when it starts and keeps it to its end, so a reload never changes the rules,
// limits or upstreams under a request in flight. What must outlive one config (rate state,
// connection pools, the audit database, the listeners) lives in Shared and Worker instead.
struct Rules {
  // `previous`: the config this one replaces (null at start), whose TLS contexts carry over
  // to upstreams whose TLS settings did not change.
  Rules(config::Config c, const Rules* previous);
  config::Config config;  // its upstreams have their state slots (Capacity::adopt)
  route::Router router;   // candidates point into config.upstreams
  auth::Authenticator authenticator;
  std::vector<std::shared_ptr<asio::ssl::context>> tls;  // by upstream index; null for http
  audit::PriceTable prices;  // the built-in table behind the config's own entries
};

struct Shared {
  explicit Shared(config::Config c);
  ~Shared();
  // As started: what a reload cannot change (listen, threads, the audit database) comes from
  // here; everything else from current_rules().
  config::Config config;
  std::unique_ptr<Capacity> capacity;  // rate-limit buckets and the wait queue (capacity.hpp)
  std::atomic<std::shared_ptr<const Rules>> rules;
  std::shared_ptr<const Rules> current_rules() const { return rules.load(std::memory_order_acquire); }
  // Re-reads the config (the file it came from, or the environment). Returns "" when the new
  // config is in force, else why the running one stays. Thread-safe.
  std::string reload();
  std::mutex reload_mutex;
  // Set by the gateway: binds listeners on host:port (throws when it cannot) and returns what
  // puts them in place of the running ones.
  std::function<std::function<void()>(const std::string& host, std::uint16_t port)> relisten;
  std::unique_ptr<audit::Sink> audit;  // null when auditing is off
  std::unique_ptr<keys::KeyGate> keys;  // virtual keys (spillway keys); null when auditing is off
  std::unique_ptr<dashboard::Live> live;  // what the dashboard (/ui, /admin/stats) shows live
  // Builds the dashboard's history reports: they read SQLite, which no I/O thread may wait on.
  std::unique_ptr<asio::thread_pool> background;
};

struct Worker {
  Worker(Shared& s);
  Shared& shared;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::uint64_t listener_generation = 0;  // a reload that moves the listener bumps it
  upstream::Watchdog watchdog{ioc};  // deadlines of the client and upstream sockets
  // Idle connections by upstream state slot. A pool whose upstream moved (a reload changed its
  // address or TLS settings) is retired, not destroyed: exchanges in flight still use it.
  std::vector<std::unique_ptr<upstream::Pool>> pools;
  std::vector<std::unique_ptr<upstream::Pool>> retired_pools;

  // Graceful shutdown: once draining, no new connections are accepted and every connection
  // closes after its current response; the worker stops when its last one is gone.
  bool draining = false;
  std::size_t sessions = 0;  // open client connections
  std::optional<asio::steady_timer> grace_timer;
  void begin_drain(std::chrono::milliseconds grace);  // on this worker's own thread
  void session_ended();

  // The pool for `u`, an upstream of `rules`; on this worker's thread.
  upstream::Pool& pool_for(const Rules& rules, const config::Upstream& u);
};

using ClientRequest = http::request<http::string_body>;

// The client side of one exchange, as the handlers see it.
struct Client {
  tcp::socket& stream;
  upstream::Watch& watch;  // arm before each write, check after it
  unsigned version = 11;
  bool keep_alive = true;
  bool head_only = false;  // a HEAD request: the response header, never a body (RFC 9110 9.3.2)
  std::chrono::milliseconds stream_ping{0};  // keep-alive ping period on quiet streams; 0 = off
  // Which configured gateway key the request presented (index into config::Auth), identified
  // once per request by dispatch().
  std::optional<std::size_t> gateway_key;
  // The presented key's name, whichever kind it is ("" for none); valid for the request.
  std::string_view key_name;
  // The rules in force when the request started (Shared::rules).
  std::shared_ptr<const Rules> rules;
  // Or the virtual key it presented (spillway keys), and what that key holds for it.
  std::optional<keys::KeyView> virtual_key;
  keys::Hold key_hold;
  // Headers every response to this request carries (x-spillway-dropped, ...), set by handlers.
  // Names are string literals.
  boost::container::small_vector<std::pair<std::string_view, std::string>, 4> response_headers;

  // The usage record of a model request (null for other endpoints): handlers fill in what they
  // learn; the response writers note the status, the first byte and the body.
  audit::Record* record = nullptr;
  std::chrono::steady_clock::time_point started{};
  std::size_t body_bytes_sent = 0;
  std::size_t max_content_bytes = 0;  // with store_content: how much of the response to keep

  void sent_status(unsigned status) {
    if (record != nullptr) {
      record->status = static_cast<int>(status);
    }
  }
  // Body bytes going to the client: the first ones mark the time to first token.
  void sent_body(std::string_view bytes) {
    if (record == nullptr || bytes.empty()) {
      return;
    }
    if (record->ttft_ms < 0) {
      record->ttft_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    }
    body_bytes_sent += bytes.size();
    if (record->response_body && record->response_body->size() < max_content_bytes) {
      record->response_body->append(bytes.substr(0, max_content_bytes - record->response_body->size()));
    }
  }

  template <class Fields>
  void add_response_headers(Fields& fields) const {
    for (const auto& [name, value] : response_headers) {
      fields.set(name, value);
    }
  }
};

asio::awaitable<void> run_session(tcp::socket socket, Worker& worker);

// Handlers. Each writes its whole response and returns whether the connection may be reused.
asio::awaitable<bool> handle_proxy(Client& client, Worker& worker, Dialect dialect, ClientRequest& request,
                                   bool count_tokens);

}  // namespace spillway::server
