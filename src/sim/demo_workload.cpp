#include "sim/demo_workload.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace spillway::sim {

namespace json = boost::json;

std::uint64_t DemoRng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int DemoRng::between(int lo, int hi) {
  if (hi <= lo) {
    return lo;
  }
  return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
}

double DemoRng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

const char* call_kind_name(CallKind kind) {
  switch (kind) {
    case CallKind::main:
      return "main";
    case CallKind::sub:
      return "sub";
    case CallKind::side:
      return "side";
  }
  return "?";
}

TaskPlan plan_task(std::uint64_t seed, int agent, int index) {
  DemoRng rng(seed * 1'000'003ULL + static_cast<std::uint64_t>(agent) * 10'007ULL + static_cast<std::uint64_t>(index));
  TaskPlan plan;
  plan.initial_context_tokens = rng.between(5000, 8000);
  const int steps = rng.between(6, 12);
  for (int i = 0; i < steps; ++i) {
    TaskStep step;
    step.tool_result_tokens = rng.between(800, 2500);
    // Never on the first step (the agent is still reading) nor the last (it is wrapping up).
    step.sub_agents = (i > 0 && i + 1 < steps && rng.between(1, 5) == 1) ? 2 : 0;
    step.side_request = i == 0 || rng.between(1, 4) == 1;  // the title, then summaries
    plan.steps.push_back(step);
  }
  return plan;
}

std::string context_text(DemoRng& rng, int tokens) {
  static constexpr std::string_view words[] = {"parse",  "config", "buffer", "limits", "route",  "stream",
                                                "tokens", "retry",  "queue",  "socket", "header", "session"};
  const auto want = static_cast<std::size_t>(std::max(tokens, 1)) * 4;
  std::string out;
  out.reserve(want + 64);
  while (out.size() < want) {
    const auto& a = words[rng.next() % std::size(words)];
    const auto& b = words[rng.next() % std::size(words)];
    out += "fn ";
    out += a;
    out += '_';
    out += b;
    out += '_';
    out += std::to_string(rng.next() % 10000);
    out += "() { return ";
    out += b;
    out += ".check(); }\n";
  }
  out.resize(want);
  return out;
}

Conversation::Conversation(std::string first_user_text) {
  bytes_ = first_user_text.size();
  texts_.push_back(std::move(first_user_text));
}

void Conversation::add_turn(std::string assistant_text, std::string tool_result) {
  bytes_ += assistant_text.size() + tool_result.size();
  texts_.push_back(std::move(assistant_text));
  texts_.push_back(std::move(tool_result));
}

namespace {

const json::array& claude_code_tools() {
  static const json::array tools = [] {
    json::array out;
    for (const char* name : {"Bash", "Read", "Edit", "Grep", "Glob", "Write", "Task"}) {
      out.push_back(json::object{
          {"name", name},
          {"description", std::string("Claude Code's ") + name + " tool"},
          {"input_schema",
           json::object{{"type", "object"}, {"properties", json::object{{"arg", json::object{{"type", "string"}}}}}}}});
    }
    return out;
  }();
  return tools;
}

}  // namespace

std::string request_body(CallKind kind, const Conversation& conversation) {
  json::array messages;
  const auto& texts = conversation.texts();
  if (kind == CallKind::side) {
    // A title or summary of the conversation's latest part: one user message.
    const std::string& last = texts.back();
    const std::string_view tail = std::string_view(last).substr(last.size() > 4000 ? last.size() - 4000 : 0);
    messages.push_back(json::object{{"role", "user"}, {"content", "Summarise in a few words: " + std::string(tail)}});
  } else {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      messages.push_back(json::object{{"role", i % 2 == 0 ? "user" : "assistant"}, {"content", texts[i]}});
    }
  }
  json::object body{{"model", kind == CallKind::side ? demo_small_model : demo_senior_model},
                    {"max_tokens", kind == CallKind::side ? 48 : 4096},
                    {"messages", std::move(messages)}};
  if (kind != CallKind::side) {
    body["system"] = "You are Claude Code, working in a repository. Use the tools.";
    body["tools"] = claude_code_tools();
    body["stream"] = true;
  }
  return json::serialize(body);
}

namespace {

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr == s.data() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<double> sdk_retry_delay_s(const RetryInput& in) {
  if (in.retries_done >= sdk_max_retries) {
    return std::nullopt;
  }
  if (in.should_retry == "false") {
    return std::nullopt;
  }
  const bool retryable = in.should_retry == "true" || in.status == 0 || in.status == 408 || in.status == 409 ||
                         in.status == 429 || in.status >= 500;
  if (!retryable) {
    return std::nullopt;
  }
  if (auto ms = parse_number(in.retry_after_ms); ms && *ms >= 0) {
    return *ms / 1000.0;
  }
  if (auto s = parse_number(in.retry_after); s && *s >= 0) {
    return *s;
  }
  return std::min(0.5 * std::pow(2.0, in.retries_done), 8.0) * (1.0 - 0.25 * in.jitter);
}

}  // namespace spillway::sim
