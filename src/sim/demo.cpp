#include "sim/demo.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "dialect/sse.hpp"
#include "sim/child_process.hpp"

namespace spillway::sim {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// One simulated agent: which API it speaks, which model it asks for, whether it streams.
struct Agent {
  std::string name;
  bool anthropic;
  std::string model;
  bool stream;
  int context_kb;  // size of the context it sends with each call
};

const std::vector<Agent> agents = {
    {"planner", true, "claude-sonnet-4-5", true, 24},
    {"coder-1", true, "claude-haiku-4-5", true, 12},
    {"reviewer", true, "claude-sonnet-4-5", false, 8},
    {"aider", false, "qwen-coder", true, 16},
    {"test-fixer", false, "qwen-coder", false, 6},
};

struct Outcome {
  std::string agent;
  std::string upstream;
  unsigned status = 0;
  long input_tokens = 0;
  long output_tokens = 0;
  double first_byte_ms = 0;
  double total_ms = 0;
};

std::string request_body(const Agent& a, int n) {
  // A context of the size an agent's loop really carries: a file it read, a test log.
  std::string context = "// file " + std::to_string(n) + "\n";
  while (context.size() < static_cast<std::size_t>(a.context_kb) * 1024) {
    context += "fn step_" + std::to_string(context.size()) + "() { return run_tests(); }\n";
  }
  json::array messages;
  if (!a.anthropic) {
    messages.push_back(json::object{{"role", "system"}, {"content", "You are a careful coding agent."}});
  }
  messages.push_back(json::object{{"role", "user"}, {"content", context + "\nFix the failing test."}});
  json::object body{{"model", a.model}, {"max_tokens", 512}, {"messages", std::move(messages)}};
  if (a.anthropic) {
    body["system"] = "You are a careful coding agent.";
  }
  if (a.stream) {
    body["stream"] = true;
    if (!a.anthropic) {
      body["stream_options"] = json::object{{"include_usage", true}};
    }
  }
  return json::serialize(body);
}

// Picks token counts out of a reply, whichever dialect and framing it came in.
void take_usage(const json::value& v, Outcome& o) {
  const auto* obj = v.if_object();
  if (!obj) {
    return;
  }
  auto read = [&](const json::value* usage) {
    if (!usage || !usage->is_object()) {
      return;
    }
    const auto& u = usage->as_object();
    for (auto [key, field] : {std::pair{"input_tokens", &o.input_tokens}, std::pair{"prompt_tokens", &o.input_tokens},
                              std::pair{"output_tokens", &o.output_tokens},
                              std::pair{"completion_tokens", &o.output_tokens}}) {
      if (auto* n = u.if_contains(key); n && n->is_int64() && n->as_int64() > 0) {
        *field = n->as_int64();
      }
    }
  };
  read(obj->if_contains("usage"));
  if (auto* m = obj->if_contains("message"); m && m->is_object()) {
    read(m->as_object().if_contains("usage"));  // Anthropic message_start
  }
}

asio::awaitable<Outcome> one_request(tcp::socket& socket, beast::flat_buffer& buffer, const std::string& host,
                                     const Agent& a, int n) {
  Outcome o;
  o.agent = a.name;
  http::request<http::string_body> req{http::verb::post, a.anthropic ? "/v1/messages" : "/v1/chat/completions", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.set("x-spillway-agent", a.name);
  if (a.anthropic) {
    req.set("anthropic-version", "2023-06-01");
  }
  req.body() = request_body(a, n);
  req.prepare_payload();

  const auto start = Clock::now();
  auto ms_since = [&start] { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); };
  if (auto [ec, _] = co_await http::async_write(socket, req, use_tuple); ec) {
    co_return o;
  }
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  if (auto [ec, _] = co_await http::async_read_header(socket, buffer, parser, use_tuple); ec) {
    co_return o;
  }
  o.status = parser.get().result_int();
  o.upstream = std::string(parser.get()["x-spillway-upstream"]);
  dialect::SseParser sse;
  std::string whole;
  char chunk[8192];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec, _] = co_await http::async_read_some(socket, buffer, parser, use_tuple);
    if (ec && ec != http::error::need_buffer) {
      break;
    }
    const std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (!got.empty() && o.first_byte_ms == 0) {
      o.first_byte_ms = ms_since();
    }
    if (a.stream) {
      for (const auto& ev : sse.feed(got)) {
        boost::system::error_code jec;
        auto v = json::parse(ev.data, jec);
        if (!jec) {
          take_usage(v, o);
        }
      }
    } else {
      whole += got;
    }
  }
  if (!a.stream) {
    boost::system::error_code jec;
    auto v = json::parse(whole, jec);
    if (!jec) {
      take_usage(v, o);
    }
  }
  o.total_ms = ms_since();
  co_return o;
}

// One simulated client connection taking work from a shared counter.
asio::awaitable<void> agent_worker(tcp::endpoint gateway, std::string host, int& next, int total,
                                   std::vector<Outcome>& out) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket socket(ex);
  if (auto [ec] = co_await socket.async_connect(gateway, use_tuple); ec) {
    co_return;
  }
  beast::flat_buffer buffer;
  while (next < total) {
    const int n = next++;
    const auto& a = agents[static_cast<std::size_t>(n) % agents.size()];
    auto o = co_await one_request(socket, buffer, host, a, n);
    out.push_back(o);
    std::printf("  %-10s %-28s -> %-8s %3u  %6ld in %5ld out  first byte %6.1f ms  total %6.1f ms\n", a.name.c_str(),
                (a.model + (a.stream ? " (stream)" : "")).c_str(), o.upstream.c_str(), o.status, o.input_tokens,
                o.output_tokens, o.first_byte_ms, o.total_ms);
    if (o.status == 0) {
      co_return;
    }
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void print_summary(const std::vector<Outcome>& outcomes) {
  struct Totals {
    int requests = 0;
    int ok = 0;
    long in = 0;
    long out = 0;
    std::vector<double> first_byte;
  };
  std::map<std::string, Totals> by_agent;
  std::map<std::string, Totals> by_upstream;
  for (const auto& o : outcomes) {
    for (auto* t : {&by_agent[o.agent], &by_upstream[o.upstream.empty() ? "(none)" : o.upstream]}) {
      ++t->requests;
      t->ok += o.status == 200;
      t->in += o.input_tokens;
      t->out += o.output_tokens;
      t->first_byte.push_back(o.first_byte_ms);
    }
  }
  auto table = [](const char* title, const std::map<std::string, Totals>& rows) {
    std::printf("\n%-12s %8s %6s %12s %12s %16s\n", title, "requests", "ok", "input tok", "output tok",
                "p50 first byte");
    for (const auto& [name, t] : rows) {
      std::printf("%-12s %8d %6d %12ld %12ld %13.1f ms\n", name.c_str(), t.requests, t.ok, t.in, t.out,
                  percentile(t.first_byte, 0.5));
    }
  };
  table("agent", by_agent);
  table("upstream", by_upstream);
}

std::string write_config(const std::string& premium_url, const std::string& local_url, const std::string& audit_db) {
  auto path = std::filesystem::temp_directory_path() / ("spillway-demo-" + std::to_string(getpid()) + ".yaml");
  std::ofstream f(path);
  f << "# written by `spillway demo`\n"
       "listen: 127.0.0.1:0\n"
       "auth: none\n"
       "audit: {sqlite: \""
    << audit_db
    << "\"}\n"
       "upstreams:\n"
       "  - name: premium\n"
       "    kind: anthropic\n"
       "    base_url: "
    << premium_url
    << "\n"
       "    models: [claude-sonnet-4-5, claude-haiku-4-5]\n"
       "  - name: local\n"
       "    kind: openai\n"
       "    base_url: "
    << local_url
    << "/v1\n"
       "    models: [qwen-coder]\n"
       "routes:\n"
       "  - match: { model: \"claude-*\" }\n"
       "    to: [premium]\n"
       "  - match: { model: \"*\" }\n"
       "    to: [{ upstream: local, model: qwen2.5-coder-32b }]\n";
  return path.string();
}

}  // namespace

int run_demo(const DemoOptions& options) {
  using namespace std::chrono_literals;
  std::printf("spillway demo: starting two simulated providers and the gateway on loopback\n");
  ChildProcess premium({"mock-provider", "--dialect", "anthropic", "--ttft-ms", "120", "--tokens-per-s", "300",
                        "--reply",
                        "I read the failing test. The fixture builds the parser before the config is loaded, so "
                        "the default limits apply. Load the config first, then build the parser, and rerun."});
  ChildProcess local({"mock-provider", "--dialect", "openai", "--ttft-ms", "25", "--tokens-per-s", "900", "--reply",
                      "Applied the edit to src/parser.cpp and reran the suite: 214 passed, 0 failed."});
  const auto premium_url = premium.wait_for_url(10s);
  const auto local_url = local.wait_for_url(10s);
  const auto audit_db =
      (std::filesystem::temp_directory_path() / ("spillway-demo-" + std::to_string(getpid()) + ".db")).string();
  const auto config_path = write_config(premium_url, local_url, audit_db);
  ChildProcess gateway({"serve", "--config", config_path});
  const auto gateway_url = gateway.wait_for_url(10s);
  std::printf("  premium (Anthropic API, simulated) %s\n  local   (OpenAI-compatible, simulated) %s\n"
              "  gateway %s   config %s\n\n",
              premium_url.c_str(), local_url.c_str(), gateway_url.c_str(), config_path.c_str());
  std::printf("%d requests from %zu agents, %d at a time:\n", options.requests, agents.size(), options.concurrency);
  std::fflush(stdout);

  auto parsed = boost::urls::parse_uri(gateway_url);
  if (!parsed) {
    std::fprintf(stderr, "spillway demo: cannot parse gateway address %s\n", gateway_url.c_str());
    return 1;
  }
  const tcp::endpoint endpoint(asio::ip::make_address(parsed->host()),
                               static_cast<unsigned short>(std::stoi(std::string(parsed->port()))));
  asio::io_context ioc;
  std::vector<Outcome> outcomes;
  int next = 0;
  for (int i = 0; i < options.concurrency; ++i) {
    asio::co_spawn(ioc, agent_worker(endpoint, std::string(parsed->encoded_host_and_port()), next, options.requests, outcomes),
                   asio::detached);
  }
  const auto start = Clock::now();
  ioc.run();
  const auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
  print_summary(outcomes);
  const auto ok = std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.status == 200; });
  std::printf("\nserved %ld of %d requests in %.2f s through %s\n", static_cast<long>(ok), options.requests, seconds,
              gateway_url.c_str());

  if (options.keep_running) {
    std::printf("gateway stays up at %s; Ctrl-C to stop\n", gateway_url.c_str());
    std::fflush(stdout);
    asio::io_context wait;
    asio::signal_set signals(wait, SIGINT, SIGTERM);
    signals.async_wait([](auto, auto) {});
    wait.run();
  }
  gateway.stop();  // drains, then writes its last usage records
  local.stop();
  premium.stop();
  std::filesystem::remove(config_path);
  // What the gateway recorded, as `spillway audit` reports it.
  std::printf("\n$ spillway audit --db %s --by agent\n", audit_db.c_str());
  const int audit_rc = run_self({"audit", "--db", audit_db, "--by", "agent"});
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(audit_db + suffix);
  }
  if (audit_rc != 0) {
    std::fprintf(stderr, "spillway demo: the audit report failed (exit %d)\n", audit_rc);
    return 1;
  }
  return ok == options.requests ? 0 : 1;
}

}  // namespace spillway::sim
