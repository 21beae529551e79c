#include "sim/demo_agents.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "dialect/sse.hpp"
#include "sim/demo_workload.hpp"

namespace spillway::sim {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The reply text the simulators send; the agent appends what it got to its conversation.
struct Answer {
  unsigned status = 0;  // 0: no response
  bool complete = false;
  std::string upstream;
  std::string retry_after;
  std::string retry_after_ms;
  std::string should_retry;
  long input_tokens = 0;
  long output_tokens = 0;
  std::string text;
};

void take_usage(const json::value& v, Answer& a) {
  const auto* obj = v.if_object();
  if (!obj) {
    return;
  }
  auto read = [&a](const json::value* usage) {
    if (!usage || !usage->is_object()) {
      return;
    }
    const auto& u = usage->as_object();
    if (auto* n = u.if_contains("input_tokens"); n && n->is_int64() && n->as_int64() > 0) {
      a.input_tokens = n->as_int64();
    }
    if (auto* n = u.if_contains("output_tokens"); n && n->is_int64() && n->as_int64() > 0) {
      a.output_tokens = n->as_int64();
    }
  };
  read(obj->if_contains("usage"));
  if (auto* m = obj->if_contains("message"); m && m->is_object()) {
    read(m->as_object().if_contains("usage"));  // message_start
  }
  // Text: a non-streamed message's content blocks, or a stream's text deltas.
  if (auto* c = obj->if_contains("content"); c && c->is_array()) {
    for (const auto& block : c->as_array()) {
      if (auto* t = block.is_object() ? block.as_object().if_contains("text") : nullptr; t && t->is_string()) {
        a.text += t->as_string();
      }
    }
  }
  if (auto* d = obj->if_contains("delta"); d && d->is_object()) {
    if (auto* t = d->as_object().if_contains("text"); t && t->is_string()) {
      a.text += t->as_string();
    }
  }
}

bool type_is(const json::value& v, std::string_view type) {
  const auto* o = v.if_object();
  const auto* t = o ? o->if_contains("type") : nullptr;
  return t && t->is_string() && t->get_string() == type;
}

struct Target {
  tcp::endpoint endpoint;
  std::string host;
};

// One request on a fresh connection (as an SDK's pool would give a new agent), read whole.
asio::awaitable<Answer> call(const Target& target, http::verb verb, std::string path, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  Answer a;
  tcp::socket socket(co_await asio::this_coro::executor);
  if (auto [ec] = co_await socket.async_connect(target.endpoint, use_tuple); ec) {
    co_return a;
  }
  http::request<http::string_body> req{verb, path, 11};
  req.set(http::field::host, target.host);
  req.set(http::field::connection, "close");
  if (verb == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.set("anthropic-version", "2023-06-01");
  }
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = body;
  req.prepare_payload();
  if (auto [ec, _] = co_await http::async_write(socket, req, use_tuple); ec) {
    co_return a;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  if (auto [ec, _] = co_await http::async_read_header(socket, buffer, parser, use_tuple); ec) {
    co_return a;
  }
  const auto& head = parser.get();
  a.status = head.result_int();
  a.upstream = std::string(head["x-spillway-upstream"]);
  a.retry_after = std::string(head["retry-after"]);
  a.retry_after_ms = std::string(head["retry-after-ms"]);
  a.should_retry = std::string(head["x-should-retry"]);
  const bool sse = head[http::field::content_type].find("text/event-stream") != beast::string_view::npos;
  dialect::SseParser events;
  std::string whole;
  char chunk[16384];
  bool saw_stop = false;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec, _] = co_await http::async_read_some(socket, buffer, parser, use_tuple);
    if (ec && ec != http::error::need_buffer) {
      co_return a;  // cut off: not complete
    }
    const std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (!sse) {
      whole += got;
      continue;
    }
    for (const auto& ev : events.feed(got)) {
      boost::system::error_code jec;
      auto v = json::parse(ev.data, jec);
      if (jec) {
        continue;
      }
      take_usage(v, a);
      if (type_is(v, "message_stop")) {
        saw_stop = true;
      }
    }
  }
  if (!sse) {
    boost::system::error_code jec;
    auto v = json::parse(whole, jec);
    if (!jec) {
      if (a.status == 200) {
        take_usage(v, a);
      }
      if (type_is(v, "message")) {
        saw_stop = true;
      }
      if (verb == http::verb::get) {
        a.text = std::move(whole);
        saw_stop = true;
      }
    }
  }
  a.complete = a.status == 200 && saw_stop;
  co_return a;
}

class Run {
 public:
  Run(const AgentRunConfig& config, LiveCounters& live, Target target)
      : config_(config), live_(live), target_(std::move(target)) {}

  AgentRunResult result;

  void start(asio::io_context& ioc) {
    start_ = Clock::now();
    end_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config_.duration_s));
    for (int i = 0; i < config_.agents; ++i) {
      asio::co_spawn(ioc, agent(i), asio::detached);
    }
    if (config_.through_gateway) {
      asio::co_spawn(ioc, poll_queue(), asio::detached);
    }
  }

  Clock::time_point end() const { return end_; }
  bool all_agents_done() const { return agents_done_ == config_.agents && side_in_flight_ == 0; }
  double seconds_since_start() const {
    return std::chrono::duration<double>((last_answer_ > start_ ? last_answer_ : Clock::now()) - start_).count();
  }

 private:
  bool past_end(Clock::duration ahead = {}) const { return Clock::now() + ahead >= end_; }

  // One request with the SDK's retries. Returns the final answer; `gave_up_at_end` when a
  // retry would have started after the end of the run.
  asio::awaitable<Answer> request(CallKind kind, const std::string& body, const std::string& agent_name,
                                  const std::string& session, DemoRng& rng, bool& cut_by_end) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"x-spillway-agent", agent_name},
        {"x-claude-code-session-id", session},
        {"user-agent", "claude-cli/2.1.197 (external, cli)"},
        {"x-api-key", "demo-no-key"}};
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int retries = 0;; ++retries) {
      ++result.attempts;
      ++live_.attempts;
      ++live_.in_flight;
      Answer a = co_await call(target_, http::verb::post, "/v1/messages", body, headers);
      --live_.in_flight;
      last_answer_ = Clock::now();
      if (a.complete) {
        ++result.ok;
        ++live_.ok;
        const std::string tier = config_.through_gateway ? (a.upstream.empty() ? "(none)" : a.upstream) : "premium";
        auto count = [&a](TokenCount& t) {
          ++t.requests;
          t.input += a.input_tokens;
          t.output += a.output_tokens;
        };
        count(result.by_upstream[tier]);
        if (tier == "premium") {
          count(result.premium_by_model[std::string(kind == CallKind::side ? demo_small_model : demo_senior_model)]);
          live_.premium_tokens += a.input_tokens + a.output_tokens;
        } else {
          live_.local_tokens += a.input_tokens + a.output_tokens;
        }
        co_return a;
      }
      if (a.status == 429) {
        ++result.rate_limited;
        ++live_.rate_limited;
      } else {
        ++result.other_errors;
      }
      const auto delay = sdk_retry_delay_s({.status = a.status == 200 ? 0 : a.status,
                                            .retries_done = retries,
                                            .retry_after_ms = a.retry_after_ms,
                                            .retry_after = a.retry_after,
                                            .should_retry = a.should_retry,
                                            .jitter = rng.unit()});
      const auto wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay.value_or(0)));
      if (delay && past_end(wait)) {
        cut_by_end = true;  // the client would still be waiting when the run ends
        co_return a;
      }
      if (!delay) {
        ++result.failures;
        ++live_.failures;
        if (kind == CallKind::side) {
          ++result.side_failures;
        }
        co_return a;
      }
      ++result.retries;
      timer.expires_after(wait);
      co_await timer.async_wait(use_tuple);
    }
  }

  // A side request: fire and forget, as Claude Code's titles and summaries are.
  asio::awaitable<void> side_request(std::string body, std::string agent_name, std::string session,
                                     std::uint64_t seed) {
    DemoRng rng(seed);
    bool cut = false;
    co_await request(CallKind::side, body, agent_name, session, rng, cut);
    --side_in_flight_;
  }

  // A sub-agent: its own small tool loop. Sets `failed` or `cut` when it could not finish.
  asio::awaitable<void> sub_agent(int agent_index, std::string session, std::uint64_t seed, bool& failed, bool& cut,
                                  int& running) {
    DemoRng rng(seed);
    Conversation conversation(context_text(rng, sub_agent_context_tokens));
    const std::string name = "sub-" + std::to_string(agent_index + 1);
    for (int s = 0; s < sub_agent_steps && !failed && !cut; ++s) {
      if (past_end()) {
        cut = true;
        break;
      }
      const Answer a = co_await request(CallKind::sub, request_body(CallKind::sub, conversation), name, session, rng, cut);
      if (!a.complete) {
        failed = failed || !cut;
        break;
      }
      conversation.add_turn(a.text, "Tool result:\n" + context_text(rng, sub_agent_result_tokens));
    }
    --running;
  }

  asio::awaitable<void> agent(int index) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    DemoRng rng(config_.seed * 7919 + static_cast<std::uint64_t>(index));
    const std::string name = "agent-" + std::to_string(index + 1);
    for (int task = 0; !past_end(); ++task) {
      const TaskPlan plan = plan_task(config_.seed, index, task);
      const std::string session =
          config_.session_prefix + "-agent-" + std::to_string(index + 1) + "-task-" + std::to_string(task + 1);
      Conversation conversation("The task: make the failing test pass.\n" +
                                context_text(rng, plan.initial_context_tokens));
      bool failed = false;
      bool cut = false;
      for (std::size_t i = 0; i < plan.steps.size() && !failed && !cut; ++i) {
        const TaskStep& step = plan.steps[i];
        if (past_end()) {
          cut = true;
          break;
        }
        if (step.side_request) {
          ++side_in_flight_;
          asio::co_spawn(ex, side_request(request_body(CallKind::side, conversation), name, session, rng.next()),
                         asio::detached);
        }
        const Answer a =
            co_await request(CallKind::main, request_body(CallKind::main, conversation), name, session, rng, cut);
        if (!a.complete) {
          failed = !cut;
          break;
        }
        if (step.sub_agents > 0) {
          // The main loop's tool call is the sub-agents' work: it waits for them all.
          int running = step.sub_agents;
          for (int s = 0; s < step.sub_agents; ++s) {
            asio::co_spawn(ex, sub_agent(index, session, rng.next(), failed, cut, running), asio::detached);
          }
          while (running > 0) {
            timer.expires_after(std::chrono::milliseconds(5));
            co_await timer.async_wait(use_tuple);
          }
          if (failed || cut) {
            break;
          }
        }
        // The tool runs (a read, a grep, a test): a moment at machine speed.
        timer.expires_after(std::chrono::milliseconds(rng.between(20, 120)));
        co_await timer.async_wait(use_tuple);
        conversation.add_turn(a.text, "Tool result:\n" + context_text(rng, step.tool_result_tokens));
      }
      if (failed) {
        ++result.tasks_failed;
        ++live_.tasks_failed;
      } else if (cut) {
        // The run ended while the agent was working or waiting to retry: it stops here.
        ++result.tasks_unfinished;
        break;
      } else {
        ++result.tasks_done;
        ++live_.tasks_done;
      }
    }
    ++agents_done_;
  }

  asio::awaitable<void> poll_queue() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!all_agents_done()) {
      const Answer a = co_await call(target_, http::verb::get, "/admin/limits", "", {});
      boost::system::error_code ec;
      auto v = json::parse(a.text, ec);
      if (!ec && v.is_object()) {
        if (auto* q = v.as_object().if_contains("queue"); q && q->is_object()) {
          if (auto* w = q->as_object().if_contains("waiting"); w && w->is_number()) {
            live_.queue_waiting = static_cast<long>(w->to_number<double>());
          }
        }
      }
      timer.expires_after(std::chrono::milliseconds(250));
      co_await timer.async_wait(use_tuple);
    }
  }

  const AgentRunConfig& config_;
  LiveCounters& live_;
  Target target_;
  Clock::time_point start_;
  Clock::time_point end_;
  Clock::time_point last_answer_;
  int agents_done_ = 0;
  int side_in_flight_ = 0;
};

Target parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    throw std::runtime_error("cannot parse address " + url);
  }
  return Target{tcp::endpoint(asio::ip::make_address(parsed->host()),
                              static_cast<unsigned short>(std::stoi(std::string(parsed->port())))),
                std::string(parsed->encoded_host_and_port())};
}

}  // namespace

std::string http_get(const std::string& url, const std::string& path) {
  const Target target = parse_target(url);
  asio::io_context ioc;
  std::string body;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        const Answer a = co_await call(target, http::verb::get, path, "", {});
        if (a.status == 200) {
          body = a.text;
        }
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(5));
  return body;
}

AgentRunResult run_agents(const AgentRunConfig& config, LiveCounters& live) {
  Run run(config, live, parse_target(config.url));
  {
    asio::io_context ioc;
    run.start(ioc);
    // Runs until every agent has stopped, or the hard stop: then whatever is still in flight is
    // abandoned (its coroutine frames go with the io_context).
    const auto hard_stop =
        run.end() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.hard_stop_after_s));
    while (!run.all_agents_done() && Clock::now() < hard_stop && !live.cancel) {
      ioc.run_for(std::chrono::milliseconds(50));
      if (ioc.stopped()) {
        ioc.restart();
      }
    }
    run.result.abandoned_in_flight = live.in_flight.load();
    run.result.seconds = run.seconds_since_start();
  }
  live.finished = true;
  return std::move(run.result);
}

}  // namespace spillway::sim
