#include "sim/mock_provider.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/mock_state.hpp"
#include "sim/session.hpp"

namespace spillway::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("--listen must be HOST:PORT, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host.empty()) {
    host = "127.0.0.1";
  }
  std::size_t used = 0;
  int port = -1;
  try {
    port = std::stoi(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port_text.size() || port < 0 || port > 65535) {
    throw std::runtime_error("--listen port must be 0-65535, got '" + port_text + "'");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error("--listen host must be an IP address, got '" + host + "'");
  }
  return {address, static_cast<unsigned short>(port)};
}

tcp::acceptor open_acceptor(asio::io_context& io, const tcp::endpoint& endpoint, bool share) {
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  if (share) {
    // Each worker gets its own listener on the same port; the kernel spreads connections.
    acceptor.set_option(reuse_port(true));
  }
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, MockState& state,
                                  asio::ssl::context* tls) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer backoff(executor);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      // Out of descriptors or similar: pause instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls != nullptr) {
      asio::co_spawn(executor, serve_tls(std::move(socket), *tls, state), asio::detached);
    } else {
      asio::co_spawn(executor, serve_plain(std::move(socket), state), asio::detached);
    }
  }
}

std::unique_ptr<asio::ssl::context> make_tls(const MockOptions& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) {
    return nullptr;
  }
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    throw std::runtime_error("--tls-cert and --tls-key must be given together");
  }
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(options.tls_cert, ec);
  if (ec) {
    throw std::runtime_error("cannot load --tls-cert " + options.tls_cert + ": " + ec.message());
  }
  tls->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load --tls-key " + options.tls_key + ": " + ec.message());
  }
  return tls;
}

std::string url_of(const tcp::endpoint& endpoint, bool tls) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) {
    host = "[" + host + "]";
  }
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(endpoint.port());
}

int run(const MockOptions& options) {
  if (options.threads < 1 || options.threads > 256) {
    throw std::runtime_error("--threads must be between 1 and 256");
  }
  for (double rate : {options.fail_529_rate, options.fail_500_rate}) {
    if (rate < 0 || rate > 1) {
      throw std::runtime_error("failure rates must be between 0 and 1");
    }
  }
  if (options.rpm < 0 || options.itpm < 0 || options.otpm < 0 || options.max_concurrency < 0 || options.ttft_ms < 0 ||
      options.latency_ms < 0 || options.tokens_per_s < 0 || options.time_scale <= 0) {
    throw std::runtime_error("limits, delays and rates must not be negative");
  }
  MockState state(options);
  if (!options.script_file.empty()) {
    state.script = load_script(options.script_file);
  }
  const auto tls = make_tls(options);
  tcp::endpoint endpoint = parse_listen(options.listen);

  const auto workers = static_cast<std::size_t>(options.threads);
  const bool share = workers > 1;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<tcp::acceptor> acceptors;
  for (std::size_t i = 0; i < workers; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    acceptors.push_back(open_acceptor(*contexts.back(), endpoint, share));
    if (i == 0) {
      endpoint = acceptors.front().local_endpoint();  // the real port when asked for port 0
    }
  }
  for (std::size_t i = 0; i < workers; ++i) {
    asio::co_spawn(*contexts[i], accept_loop(acceptors[i], state, tls.get()), asio::detached);
  }

  asio::signal_set signals(*contexts.front(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    for (auto& io : contexts) {
      io->stop();
    }
  });
  std::signal(SIGPIPE, SIG_IGN);

  std::printf("spillway mock-provider listening on %s\n", url_of(endpoint, tls != nullptr).c_str());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) {
    threads.emplace_back([&io = *contexts[i]] { io.run(); });
  }
  contexts.front()->run();
  for (auto& t : threads) {
    t.join();
  }
  return 0;
}

}  // namespace

int run_mock_provider(const MockOptions& options) {
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spillway mock-provider: %s\n", e.what());
    return 2;
  }
}

}  // namespace spillway::sim
