// spillway-loadgen: the load generator of bench/run.sh. One thread, one io_context, one
// coroutine per connection. Three modes:
//
//   --rate R --duration S       open loop: request i is due at start + i/R whatever happened
//                               before it, and its latency is counted from that due time, so a
//                               slow server cannot hide its stalls by slowing the client down
//                               (no coordinated omission).
//   --count N                   closed loop: each connection sends its next request as soon as
//                               the previous answer is complete, until N answers in all.
//   --hold N                    opens N streaming requests, waits until each has its first body
//                               bytes, prints one JSON line, then keeps them open (still reading)
//                               until SIGINT/SIGTERM or --hold-seconds.
//
// Results are one JSON object per line on stdout.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::string url = "http://127.0.0.1:4000/v1/chat/completions";
  std::string body;
  std::string model = "bench-model";
  std::vector<std::string> headers;
  bool stream = false;
  double rate = 0;
  double duration_s = 5;
  int connections = 16;
  std::uint64_t count = 0;
  int hold = 0;
  double hold_seconds = 60;
  double hold_timeout_s = 120;
  int connect_parallel = 256;
};

struct Target {
  tcp::endpoint endpoint;
  std::string host_header;
  std::string path;
};

Target parse_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    throw std::runtime_error("only http:// URLs are supported: " + url);
  }
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  t.host_header = authority;
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("the URL needs an explicit port: " + url);
  }
  auto host = authority.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  t.endpoint = tcp::endpoint(asio::ip::make_address(host), static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1))));
  return t;
}

// The request is the same bytes every time; building it once keeps the generator cheap.
std::string build_request(const Options& o, const Target& t) {
  std::string body = o.body;
  if (body.empty()) {
    body = R"({"model":")" + o.model + R"(","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}])";
    body += o.stream ? R"(,"stream":true})" : "}";
  }
  std::string req = "POST " + t.path + " HTTP/1.1\r\nHost: " + t.host_header +
                    "\r\nContent-Type: application/json\r\nAccept: " +
                    (o.stream ? "text/event-stream" : "application/json") +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& h : o.headers) {
    req += h + "\r\n";
  }
  req += "\r\n" + body;
  return req;
}

void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::int64_t us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

boost::json::object summarize(std::vector<std::int64_t> v) {
  boost::json::object o;
  if (v.empty()) {
    return o;
  }
  std::sort(v.begin(), v.end());
  auto pct = [&v](double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  o["p50"] = pct(0.50);
  o["p90"] = pct(0.90);
  o["p99"] = pct(0.99);
  o["max"] = v.back();
  return o;
}

struct Run {
  Run(const Options& o, Target t, std::string r, asio::io_context& c)
      : opt(o), target(std::move(t)), request(std::move(r)), ioc(c) {}

  const Options& opt;
  Target target;
  std::string request;
  asio::io_context& ioc;

  // Shared by all connections (one thread: no locks).
  std::uint64_t next = 0;  // tickets handed out
  std::uint64_t ok = 0;
  std::uint64_t non2xx = 0;
  std::uint64_t io_errors = 0;
  std::vector<std::int64_t> latency_us;
  std::vector<std::int64_t> ttfb_us;
};

struct ExchangeResult {
  bool io_ok = false;
  bool keep_alive = false;
  unsigned status = 0;
  Clock::time_point first_byte;
};

// Sends the request and reads the whole response, noting when the first body bytes came.
asio::awaitable<ExchangeResult> exchange(tcp::socket& socket, beast::flat_buffer& buffer, const std::string& request) {
  ExchangeResult r;
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request), use_tuple);
  if (wec) {
    co_return r;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u * 1024 * 1024);
  auto [hec, hn] = co_await http::async_read_header(socket, buffer, parser, use_tuple);
  if (hec) {
    co_return r;
  }
  r.first_byte = Clock::now();
  bool seen_body = false;
  while (!parser.is_done()) {
    auto [ec, n] = co_await http::async_read_some(socket, buffer, parser, use_tuple);
    if (ec) {
      co_return r;
    }
    if (!seen_body && !parser.get().body().empty()) {
      seen_body = true;
      r.first_byte = Clock::now();
    }
  }
  r.io_ok = true;
  r.keep_alive = parser.get().keep_alive();
  r.status = parser.get().result_int();
  co_return r;
}

asio::awaitable<bool> connect(tcp::socket& socket, const tcp::endpoint& ep) {
  boost::system::error_code ignored;
  socket.close(ignored);
  auto [ec] = co_await socket.async_connect(ep, use_tuple);
  if (!ec) {
    socket.set_option(tcp::no_delay(true), ignored);
  }
  co_return !ec;
}

void count(Run& run, const ExchangeResult& r) {
  if (!r.io_ok) {
    ++run.io_errors;
  } else if (r.status < 200 || r.status > 299) {
    ++run.non2xx;
  } else {
    ++run.ok;
  }
}

// Open loop: ticket i is due at start + i / rate.
asio::awaitable<void> rate_connection(Run& run, Clock::time_point start, Clock::duration interval,
                                      std::uint64_t total) {
  tcp::socket socket(run.ioc);
  beast::flat_buffer buffer;
  asio::steady_timer timer(run.ioc);
  bool connected = false;
  for (;;) {
    const std::uint64_t i = run.next++;
    if (i >= total) {
      break;
    }
    const auto due = start + interval * static_cast<std::int64_t>(i);
    if (due > Clock::now()) {
      timer.expires_at(due);
      co_await timer.async_wait(use_tuple);
    }
    if (!connected) {
      buffer.clear();
      connected = co_await connect(socket, run.target.endpoint);
    }
    ExchangeResult r;
    if (connected) {
      r = co_await exchange(socket, buffer, run.request);
    }
    const auto done = Clock::now();
    count(run, r);
    if (r.io_ok) {
      run.latency_us.push_back(us_between(due, done));
      run.ttfb_us.push_back(us_between(due, r.first_byte));
    }
    connected = r.io_ok && r.keep_alive;
  }
}

// Closed loop: the next request goes as soon as the previous answer is complete.
asio::awaitable<void> count_connection(Run& run, std::uint64_t total) {
  tcp::socket socket(run.ioc);
  beast::flat_buffer buffer;
  bool connected = false;
  while (run.next < total) {
    ++run.next;
    if (!connected) {
      buffer.clear();
      connected = co_await connect(socket, run.target.endpoint);
    }
    ExchangeResult r;
    const auto sent = Clock::now();
    if (connected) {
      r = co_await exchange(socket, buffer, run.request);
    }
    count(run, r);
    if (r.io_ok) {
      run.latency_us.push_back(us_between(sent, Clock::now()));
    }
    connected = r.io_ok && r.keep_alive;
  }
}

boost::json::object load_report(Run& run, const char* mode, double seconds) {
  boost::json::object o;
  o["mode"] = mode;
  o["requests"] = run.ok + run.non2xx + run.io_errors;
  o["ok"] = run.ok;
  o["non2xx"] = run.non2xx;
  o["io_errors"] = run.io_errors;
  o["seconds"] = seconds;
  o["achieved_rps"] = seconds > 0 ? static_cast<double>(run.ok + run.non2xx) / seconds : 0.0;
  o["latency_us"] = summarize(std::move(run.latency_us));
  if (run.opt.stream) {
    o["ttfb_us"] = summarize(std::move(run.ttfb_us));
  }
  return o;
}

int run_load(const Options& opt, Run& run) {
  // The open loop starts a moment later so that every connection is ready at tick 0.
  const auto start = Clock::now() + std::chrono::milliseconds{opt.rate > 0 ? 50 : 0};
  if (opt.rate > 0) {
    const auto total = static_cast<std::uint64_t>(opt.rate * opt.duration_s);
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / opt.rate));
    run.latency_us.reserve(total);
    run.ttfb_us.reserve(total);
    for (int c = 0; c < opt.connections; ++c) {
      asio::co_spawn(run.ioc, rate_connection(run, start, interval, total), asio::detached);
    }
  } else {
    run.latency_us.reserve(opt.count);
    for (int c = 0; c < opt.connections; ++c) {
      asio::co_spawn(run.ioc, count_connection(run, opt.count), asio::detached);
    }
  }
  run.ioc.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << boost::json::serialize(load_report(run, opt.rate > 0 ? "rate" : "count", seconds)) << std::endl;
  return run.io_errors == 0 && run.non2xx == 0 ? 0 : 1;
}

// --- hold mode ---------------------------------------------------------------------------------

struct Hold {
  explicit Hold(Run& r) : run(r) {}

  Run& run;
  int wanted = 0;
  int started = 0;
  int held = 0;      // first body bytes received
  int failed = 0;    // never got there
  int ended = 0;     // held, then closed or finished before the end of the hold
  std::map<std::string, int> failures;  // why, for the report
  bool reported = false;
  Clock::time_point begin = Clock::now();
  std::vector<std::unique_ptr<tcp::socket>> sockets;
};

void report_held(Hold& h) {
  if (h.reported) {
    return;
  }
  h.reported = true;
  boost::json::object o;
  o["mode"] = "hold";
  o["event"] = "held";
  o["wanted"] = h.wanted;
  o["held"] = h.held;
  o["failed"] = h.failed;
  boost::json::object why;
  for (const auto& [reason, n] : h.failures) {
    why[reason] = n;
  }
  o["failures"] = std::move(why);
  o["setup_s"] = std::chrono::duration<double>(Clock::now() - h.begin).count();
  std::cout << boost::json::serialize(o) << std::endl;
}

void check_all_settled(Hold& h) {
  if (h.held + h.failed >= h.wanted) {
    report_held(h);
  }
}

// Keeps reading a held stream so the server's writes never block on us.
asio::awaitable<void> drain(Hold& h, tcp::socket& socket, std::unique_ptr<beast::flat_buffer> buffer,
                            std::unique_ptr<http::response_parser<http::string_body>> parser) {
  while (!parser->is_done()) {
    auto [ec, n] = co_await http::async_read_some(socket, *buffer, *parser, use_tuple);
    if (ec) {
      break;
    }
    parser->get().body().clear();  // nothing to keep; bounds our own memory
  }
  ++h.ended;
}

asio::awaitable<void> open_streams(Hold& h) {
  while (h.started < h.wanted) {
    ++h.started;
    auto socket = std::make_unique<tcp::socket>(h.run.ioc);
    auto buffer = std::make_unique<beast::flat_buffer>();
    auto parser = std::make_unique<http::response_parser<http::string_body>>();
    parser->body_limit(boost::none);
    std::string why;
    if (!co_await connect(*socket, h.run.target.endpoint)) {
      why = "connect";
    }
    if (why.empty()) {
      auto [wec, wn] = co_await asio::async_write(*socket, asio::buffer(h.run.request), use_tuple);
      why = wec ? "write: " + wec.message() : "";
    }
    if (why.empty()) {
      auto [hec, hn] = co_await http::async_read_header(*socket, *buffer, *parser, use_tuple);
      if (hec) {
        why = "read header: " + hec.message();
      } else if (parser->get().result_int() != 200) {
        why = "status " + std::to_string(parser->get().result_int());
      }
    }
    while (why.empty() && parser->get().body().empty() && !parser->is_done()) {
      auto [ec, n] = co_await http::async_read_some(*socket, *buffer, *parser, use_tuple);
      why = ec ? "read body: " + ec.message() : "";
    }
    if (why.empty() && parser->is_done()) {
      why = "stream ended at once";  // the mock must be slow enough for a stream to be held
    }
    if (!why.empty()) {
      ++h.failed;
      ++h.failures[why];
      check_all_settled(h);
      continue;
    }
    ++h.held;
    auto& s = *socket;
    h.sockets.push_back(std::move(socket));
    asio::co_spawn(h.run.ioc, drain(h, s, std::move(buffer), std::move(parser)), asio::detached);
    check_all_settled(h);
  }
}

int run_hold(const Options& opt, Run& run) {
  Hold h(run);
  h.wanted = opt.hold;
  h.sockets.reserve(static_cast<std::size_t>(opt.hold));
  for (int c = 0; c < std::min(opt.connect_parallel, opt.hold); ++c) {
    asio::co_spawn(run.ioc, open_streams(h), asio::detached);
  }
  asio::steady_timer setup_deadline(run.ioc);
  setup_deadline.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.hold_timeout_s)));
  setup_deadline.async_wait([&h](boost::system::error_code ec) {
    if (!ec) {
      report_held(h);
    }
  });
  asio::steady_timer hold_end(run.ioc);
  hold_end.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt.hold_timeout_s + opt.hold_seconds)));
  auto finish = [&h, &run](int) {
    report_held(h);
    boost::json::object o;
    o["mode"] = "hold";
    o["event"] = "end";
    o["held"] = h.held;
    o["still_open"] = h.held - h.ended;
    std::cout << boost::json::serialize(o) << std::endl;
    run.ioc.stop();
  };
  hold_end.async_wait([finish](boost::system::error_code ec) {
    if (!ec) {
      finish(0);
    }
  });
  asio::signal_set signals(run.ioc, SIGINT, SIGTERM);
  signals.async_wait([finish](boost::system::error_code ec, int sig) {
    if (!ec) {
      finish(sig);
    }
  });
  run.ioc.run();
  return h.held == h.wanted ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"spillway-loadgen: HTTP/1.1 load for bench/run.sh"};
  app.add_option("--url", opt.url, "http://HOST:PORT/PATH to POST to")->capture_default_str();
  app.add_option("--body", opt.body, "request body (default: a small chat request)");
  app.add_option("--model", opt.model, "model name in the default body")->capture_default_str();
  app.add_option("--header", opt.headers, "extra request header, 'name: value' (repeatable)");
  app.add_flag("--stream", opt.stream, "ask for a streaming reply (\"stream\":true)");
  app.add_option("--rate", opt.rate, "open-loop requests per second");
  app.add_option("--duration", opt.duration_s, "seconds of open-loop load")->capture_default_str();
  app.add_option("--connections", opt.connections, "keep-alive connections")->capture_default_str();
  app.add_option("--count", opt.count, "closed-loop: this many requests in all");
  app.add_option("--hold", opt.hold, "open this many streams and hold them");
  app.add_option("--hold-seconds", opt.hold_seconds, "how long to hold once all are open")->capture_default_str();
  app.add_option("--hold-timeout", opt.hold_timeout_s, "give up opening streams after this")->capture_default_str();
  app.add_option("--connect-parallel", opt.connect_parallel, "streams being opened at once")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const int modes = (opt.rate > 0 ? 1 : 0) + (opt.count > 0 ? 1 : 0) + (opt.hold > 0 ? 1 : 0);
  if (modes != 1) {
    std::cerr << "spillway-loadgen: give exactly one of --rate, --count, --hold\n";
    return 2;
  }
  if (opt.connections < 1 || opt.connect_parallel < 1) {
    std::cerr << "spillway-loadgen: --connections and --connect-parallel must be at least 1\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();
  try {
    asio::io_context ioc(1);
    Target target = parse_url(opt.url);
    Run run(opt, target, build_request(opt, target), ioc);
    return opt.hold > 0 ? run_hold(opt, run) : run_load(opt, run);
  } catch (const std::exception& e) {
    std::cerr << "spillway-loadgen: " << e.what() << '\n';
    return 2;
  }
}
