// Translation cost between the Anthropic and OpenAI dialects, measured with Google Benchmark
// (docs/BENCHMARKS.md, "Translation cost"). Every input is generated here, deterministically:
// a Claude Code-like agent conversation (cached system blocks, tool definitions with JSON
// schemas, turns of text + tool_use answered by tool_result) rendered in either dialect at
// ~2 KB and ~200 KB, whole responses, and upstream streams of text deltas plus a tool call
// whose arguments arrive in fragments.
//
//   ninja -C build-tbench spillway-translate-bench && build-tbench/bench/spillway-translate-bench
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dialect/request_info.hpp"
#include "dialect/responses_response.hpp"
#include "dialect/sse.hpp"
#include "dialect/stream_translate.hpp"
#include "dialect/translate_request.hpp"
#include "dialect/translate_response.hpp"

namespace {

namespace json = boost::json;
using namespace spillway;

// ---------------------------------------------------------------------------------------------
// Deterministic text: prose from a word list and code-like lines with quotes, tabs and
// newlines, so the JSON carries the escapes real tool results carry.

class Text {
 public:
  explicit Text(std::uint64_t seed) : state_(seed) {}

  std::string prose(std::size_t bytes) {
    static constexpr std::string_view words[] = {
        "the",  "file",    "function", "returns", "when",   "request", "upstream", "error",
        "test", "build",   "config",   "value",   "check",  "before",  "after",    "stream",
        "a",    "handles", "parser",   "should",  "cache",  "token",   "read",     "write",
        "path", "module",  "retry",    "limit",   "header", "body",    "client",   "gateway"};
    std::string out;
    while (out.size() < bytes) {
      if (!out.empty()) {
        out += next() % 11 == 0 ? ". " : " ";
      }
      out += words[next() % std::size(words)];
    }
    return out;
  }

  std::string code(std::size_t bytes) {
    static constexpr std::string_view lines[] = {
        "  if (value.size() > limit) {\n",
        "    return make_error(\"body over the limit\", status);\n",
        "  }\n",
        "\tfor (const auto& item : items) { total += item.bytes; }\n",
        "  std::string name = \"spillway\\\\gateway\";  // a path with a backslash\n",
        "  co_await client.write(\"data: {\\\"ok\\\":true}\\n\\n\");\n",
        "  // The upstream answered; keep its status and body.\n",
        "  auto it = headers.find(\"content-type\");\n"};
    std::string out;
    int line_no = static_cast<int>(next() % 400);
    while (out.size() < bytes) {
      out += std::to_string(++line_no) + "\t" + std::string(lines[next() % std::size(lines)]);
    }
    return out;
  }

  std::uint64_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// One agent conversation, rendered in either dialect.

struct ToolDef {
  std::string name;
  std::string description;
  json::object schema;
};

struct ToolCall {
  std::string id;
  std::string name;
  json::object input;
  std::string result;
};

struct Turn {
  std::string assistant_text;
  std::vector<ToolCall> calls;
};

struct Conversation {
  std::vector<std::string> system;
  std::vector<ToolDef> tools;
  std::string first_user;
  std::vector<Turn> turns;
  std::string last_user;
};

constexpr std::string_view tool_names[] = {
    "Bash",     "Read",     "Write",     "Edit",         "MultiEdit",    "Glob",      "Grep",   "LS",
    "WebFetch", "WebSearch", "TodoWrite", "NotebookEdit", "Task",        "ExitPlanMode", "BashOutput"};

json::object schema_for(Text& text, int i, std::size_t description_bytes) {
  json::object props;
  const int n = 2 + i % 4;
  json::array required;
  for (int p = 0; p < n; ++p) {
    const std::string key = "param_" + std::to_string(p);
    json::object prop{{"type", p % 3 == 2 ? "integer" : "string"},
                      {"description", text.prose(description_bytes / 6)}};
    if (p == 3) {
      prop = json::object{{"type", "array"},
                          {"items", json::object{{"type", "object"},
                                                 {"properties", json::object{{"old_string", {{"type", "string"}}},
                                                                             {"new_string", {{"type", "string"}}}}}}},
                          {"description", text.prose(description_bytes / 8)}};
    }
    props[key] = std::move(prop);
    if (p < 2) {
      required.emplace_back(key);
    }
  }
  return json::object{{"type", "object"},
                      {"properties", std::move(props)},
                      {"required", std::move(required)},
                      {"additionalProperties", false},
                      {"$schema", "http://json-schema.org/draft-07/schema#"}};
}

struct Shape {
  int tools;
  std::size_t tool_description_bytes;
  std::size_t tool_result_bytes;
  std::size_t target_bytes;
};

constexpr Shape small_shape{2, 100, 120, 2 * 1024};
constexpr Shape large_shape{15, 1200, 2600, 200 * 1024};

Turn make_turn(Text& text, const Conversation& c, int n, std::size_t result_bytes) {
  Turn t;
  t.assistant_text = text.prose(60 + text.next() % 120);
  const int calls = n % 3 == 2 ? 2 : 1;  // every third turn calls two tools in parallel
  for (int k = 0; k < calls; ++k) {
    ToolCall call;
    call.id = "toolu_01" + std::to_string(100000 + n * 10 + k);
    call.name = c.tools[(n + k) % c.tools.size()].name;
    call.input = json::object{{"param_0", "src/dialect/stream_translate.cpp"},
                              {"param_1", text.prose(30)},
                              {"param_2", static_cast<std::int64_t>(text.next() % 500)}};
    call.result = n % 2 ? text.code(result_bytes) : text.prose(result_bytes);
    t.calls.push_back(std::move(call));
  }
  return t;
}

std::string render_anthropic(const Conversation& c) {
  json::array system;
  for (std::size_t i = 0; i < c.system.size(); ++i) {
    json::object block{{"type", "text"}, {"text", c.system[i]}};
    if (i + 1 == c.system.size()) {
      block["cache_control"] = json::object{{"type", "ephemeral"}};
    }
    system.push_back(std::move(block));
  }
  json::array tools;
  for (const auto& t : c.tools) {
    tools.push_back(json::object{{"name", t.name}, {"description", t.description}, {"input_schema", t.schema}});
  }
  json::array messages;
  messages.push_back(json::object{
      {"role", "user"},
      {"content", json::array{json::object{{"type", "text"}, {"text", c.first_user}}}}});
  for (const auto& turn : c.turns) {
    json::array assistant{json::object{{"type", "text"}, {"text", turn.assistant_text}}};
    json::array results;
    for (const auto& call : turn.calls) {
      assistant.push_back(
          json::object{{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", call.input}});
      results.push_back(json::object{
          {"type", "tool_result"},
          {"tool_use_id", call.id},
          {"content", json::array{json::object{{"type", "text"}, {"text", call.result}}}}});
    }
    messages.push_back(json::object{{"role", "assistant"}, {"content", std::move(assistant)}});
    messages.push_back(json::object{{"role", "user"}, {"content", std::move(results)}});
  }
  // Claude Code marks the newest user block for caching as well.
  messages.push_back(json::object{
      {"role", "user"},
      {"content", json::array{json::object{{"type", "text"},
                                           {"text", c.last_user},
                                           {"cache_control", json::object{{"type", "ephemeral"}}}}}}});
  json::object body{{"model", "claude-sonnet-4-5"},
                    {"max_tokens", 32000},
                    {"system", std::move(system)},
                    {"tools", std::move(tools)},
                    {"messages", std::move(messages)},
                    {"metadata", json::object{{"user_id", "user_bench_session_0001"}}},
                    {"temperature", 1},
                    {"stream", true}};
  return json::serialize(body);
}

std::string render_openai(const Conversation& c) {
  std::string system;
  for (const auto& s : c.system) {
    system += (system.empty() ? "" : "\n\n") + s;
  }
  json::array tools;
  for (const auto& t : c.tools) {
    tools.push_back(json::object{
        {"type", "function"},
        {"function", json::object{{"name", t.name}, {"description", t.description}, {"parameters", t.schema}}}});
  }
  json::array messages;
  messages.push_back(json::object{{"role", "system"}, {"content", system}});
  messages.push_back(json::object{{"role", "user"}, {"content", c.first_user}});
  for (const auto& turn : c.turns) {
    json::array calls;
    for (const auto& call : turn.calls) {
      calls.push_back(json::object{
          {"id", call.id},
          {"type", "function"},
          {"function", json::object{{"name", call.name}, {"arguments", json::serialize(call.input)}}}});
    }
    messages.push_back(
        json::object{{"role", "assistant"}, {"content", turn.assistant_text}, {"tool_calls", std::move(calls)}});
    for (const auto& call : turn.calls) {
      messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", call.id}, {"content", call.result}});
    }
  }
  messages.push_back(json::object{{"role", "user"}, {"content", c.last_user}});
  json::object body{{"model", "gpt-4.1"},
                    {"max_completion_tokens", 32000},
                    {"tools", std::move(tools)},
                    {"tool_choice", "auto"},
                    {"messages", std::move(messages)},
                    {"user", "user_bench_session_0001"},
                    {"temperature", 1},
                    {"stream", true},
                    {"stream_options", json::object{{"include_usage", true}}}};
  return json::serialize(body);
}

// Adds turns until the rendering in `dialect` reaches the shape's size.
std::string agent_request(Dialect dialect, const Shape& shape) {
  Text text(42);
  Conversation c;
  c.system.push_back("You are Claude Code, Anthropic's official CLI for Claude.");
  c.system.push_back(text.prose(shape.tools > 5 ? 6000 : 120));
  for (int i = 0; i < shape.tools; ++i) {
    c.tools.push_back(ToolDef{std::string(tool_names[i % std::size(tool_names)]),
                              text.prose(shape.tool_description_bytes),
                              schema_for(text, i, shape.tool_description_bytes)});
  }
  c.first_user = text.prose(200);
  c.last_user = text.prose(80);
  auto render = [&] { return dialect == Dialect::anthropic ? render_anthropic(c) : render_openai(c); };
  std::string body = render();
  while (body.size() < shape.target_bytes) {
    c.turns.push_back(make_turn(text, c, static_cast<int>(c.turns.size()), shape.tool_result_bytes));
    body = render();
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Whole responses: some text and two tool calls.

std::string openai_response() {
  Text text(7);
  json::array calls;
  for (int k = 0; k < 2; ++k) {
    calls.push_back(json::object{
        {"id", "call_" + std::to_string(k)},
        {"type", "function"},
        {"function", json::object{{"name", k ? "Grep" : "Read"},
                                  {"arguments", json::serialize(json::object{
                                                    {"param_0", "src/server/relay.cpp"}, {"param_1", text.prose(40)}})}}}});
  }
  json::object body{
      {"id", "chatcmpl-bench"},
      {"object", "chat.completion"},
      {"created", 1733000000},
      {"model", "gpt-4.1"},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", json::object{{"role", "assistant"}, {"content", text.prose(900)}, {"tool_calls", calls}}},
                      {"finish_reason", "tool_calls"}}}},
      {"usage", json::object{{"prompt_tokens", 51234},
                             {"completion_tokens", 310},
                             {"total_tokens", 51544},
                             {"prompt_tokens_details", json::object{{"cached_tokens", 48000}}}}}};
  return json::serialize(body);
}

std::string anthropic_response() {
  Text text(7);
  json::array content{json::object{{"type", "text"}, {"text", text.prose(900)}}};
  for (int k = 0; k < 2; ++k) {
    content.push_back(json::object{
        {"type", "tool_use"},
        {"id", "toolu_0" + std::to_string(k)},
        {"name", k ? "Grep" : "Read"},
        {"input", json::object{{"param_0", "src/server/relay.cpp"}, {"param_1", text.prose(40)}}}});
  }
  json::object body{{"id", "msg_bench"},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", "claude-sonnet-4-5"},
                    {"content", std::move(content)},
                    {"stop_reason", "tool_use"},
                    {"stop_sequence", nullptr},
                    {"usage", json::object{{"input_tokens", 3234},
                                           {"output_tokens", 310},
                                           {"cache_read_input_tokens", 48000},
                                           {"cache_creation_input_tokens", 0}}}};
  return json::serialize(body);
}

// ---------------------------------------------------------------------------------------------
// Upstream streams, one string per SSE event as the upstream writes them.

constexpr int stream_text_deltas = 200;
constexpr int stream_argument_fragments = 40;

std::vector<std::string> openai_stream() {
  Text text(9);
  std::vector<std::string> events;
  auto chunk = [&](json::object delta, json::value finish = nullptr) {
    json::object c{{"id", "chatcmpl-bench"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1733000000},
                   {"model", "gpt-4.1"},
                   {"choices", json::array{json::object{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
    events.push_back("data: " + json::serialize(c) + "\n\n");
  };
  chunk(json::object{{"role", "assistant"}, {"content", ""}});
  for (int i = 0; i < stream_text_deltas; ++i) {
    chunk(json::object{{"content", text.prose(8 + text.next() % 16)}});
  }
  const std::string arguments =
      json::serialize(json::object{{"param_0", "src/dialect/stream_translate.cpp"}, {"param_1", text.prose(400)}});
  const std::size_t step = arguments.size() / stream_argument_fragments + 1;
  for (std::size_t at = 0; at < arguments.size(); at += step) {
    json::object fn{{"arguments", arguments.substr(at, step)}};
    json::object call{{"index", 0}, {"function", std::move(fn)}};
    if (at == 0) {
      call["id"] = "call_bench";
      call["type"] = "function";
      call["function"].as_object()["name"] = "Read";
    }
    chunk(json::object{{"tool_calls", json::array{std::move(call)}}});
  }
  chunk(json::object{}, "tool_calls");
  events.push_back("data: " +
                   json::serialize(json::object{{"id", "chatcmpl-bench"},
                                                {"object", "chat.completion.chunk"},
                                                {"choices", json::array{}},
                                                {"usage", json::object{{"prompt_tokens", 51234},
                                                                       {"completion_tokens", 610},
                                                                       {"total_tokens", 51844}}}}) +
                   "\n\n");
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::vector<std::string> anthropic_stream() {
  Text text(9);
  std::vector<std::string> events;
  auto event = [&](std::string_view name, const json::object& data) {
    events.push_back("event: " + std::string(name) + "\ndata: " + json::serialize(data) + "\n\n");
  };
  event("message_start",
        json::object{{"type", "message_start"},
                     {"message", json::object{{"id", "msg_bench"},
                                              {"type", "message"},
                                              {"role", "assistant"},
                                              {"model", "claude-sonnet-4-5"},
                                              {"content", json::array{}},
                                              {"stop_reason", nullptr},
                                              {"usage", json::object{{"input_tokens", 3234},
                                                                     {"output_tokens", 1},
                                                                     {"cache_read_input_tokens", 48000}}}}}});
  event("content_block_start", json::object{{"type", "content_block_start"},
                                            {"index", 0},
                                            {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
  event("ping", json::object{{"type", "ping"}});
  for (int i = 0; i < stream_text_deltas; ++i) {
    event("content_block_delta",
          json::object{{"type", "content_block_delta"},
                       {"index", 0},
                       {"delta", json::object{{"type", "text_delta"}, {"text", text.prose(8 + text.next() % 16)}}}});
  }
  event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}});
  event("content_block_start",
        json::object{{"type", "content_block_start"},
                     {"index", 1},
                     {"content_block", json::object{{"type", "tool_use"}, {"id", "toolu_bench"}, {"name", "Read"}, {"input", json::object{}}}}});
  const std::string arguments =
      json::serialize(json::object{{"param_0", "src/dialect/stream_translate.cpp"}, {"param_1", text.prose(400)}});
  const std::size_t step = arguments.size() / stream_argument_fragments + 1;
  for (std::size_t at = 0; at < arguments.size(); at += step) {
    event("content_block_delta",
          json::object{{"type", "content_block_delta"},
                       {"index", 1},
                       {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", arguments.substr(at, step)}}}});
  }
  event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 1}});
  event("message_delta", json::object{{"type", "message_delta"},
                                      {"delta", json::object{{"stop_reason", "tool_use"}, {"stop_sequence", nullptr}}},
                                      {"usage", json::object{{"output_tokens", 610}}}});
  event("message_stop", json::object{{"type", "message_stop"}});
  return events;
}

std::size_t total_bytes(const std::vector<std::string>& events) {
  std::size_t n = 0;
  for (const auto& e : events) {
    n += e.size();
  }
  return n;
}

// The same conversation as Codex sends it (Responses): the OpenAI rendering's messages become
// input items (tool calls and their outputs items of their own), tools flat function tools.
std::string responses_request(const Shape& shape) {
  auto chat = json::parse(agent_request(Dialect::openai, shape)).as_object();
  json::array input;
  std::string instructions;
  for (const auto& m : chat.at("messages").as_array()) {
    const auto& msg = m.as_object();
    const std::string_view role = msg.at("role").as_string();
    if (role == "system") {
      instructions += msg.at("content").is_string() ? std::string(msg.at("content").as_string()) : std::string();
    } else if (role == "tool") {
      input.push_back(json::object{{"type", "function_call_output"}, {"call_id", msg.at("tool_call_id")},
                                   {"output", msg.at("content")}});
    } else {
      if (const auto* content = msg.if_contains("content"); content && content->is_string()) {
        input.push_back(json::object{{"type", "message"}, {"role", role},
                                     {"content", json::array{json::object{
                                         {"type", role == "user" ? "input_text" : "output_text"}, {"text", *content}}}}});
      }
      if (const auto* calls = msg.if_contains("tool_calls")) {
        for (const auto& call : calls->as_array()) {
          input.push_back(json::object{{"type", "function_call"}, {"call_id", call.at("id")},
                                       {"name", call.at("function").at("name")},
                                       {"arguments", call.at("function").at("arguments")}});
        }
      }
    }
  }
  json::array tools;
  for (const auto& t : chat.at("tools").as_array()) {
    const auto& f = t.at("function").as_object();
    tools.push_back(json::object{{"type", "function"}, {"name", f.at("name")}, {"description", f.at("description")},
                                 {"parameters", f.at("parameters")}});
  }
  json::object out{{"model", "gpt-5-codex"}, {"instructions", instructions}, {"input", std::move(input)},
                   {"tools", std::move(tools)}, {"tool_choice", "auto"}, {"stream", true}, {"store", false},
                   {"max_output_tokens", 8192}};
  return json::serialize(out);
}

const std::string& cached_request(Dialect dialect, const Shape& shape) {
  static const std::string a_small = agent_request(Dialect::anthropic, small_shape);
  static const std::string a_large = agent_request(Dialect::anthropic, large_shape);
  static const std::string o_small = agent_request(Dialect::openai, small_shape);
  static const std::string o_large = agent_request(Dialect::openai, large_shape);
  static const std::string r_small = responses_request(small_shape);
  static const std::string r_large = responses_request(large_shape);
  const bool small = shape.target_bytes == small_shape.target_bytes;
  if (dialect == Dialect::responses) {
    return small ? r_small : r_large;
  }
  return dialect == Dialect::anthropic ? (small ? a_small : a_large) : (small ? o_small : o_large);
}

void label(benchmark::State& state, std::size_t bytes) {
  state.SetLabel(std::to_string(bytes) + " B");
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

// Exactly what server/translate.cpp does for a request crossing dialects.
void BM_TranslateRequest(benchmark::State& state, Dialect client, Dialect upstream, Shape shape) {
  const std::string& body = cached_request(client, shape);
  for (auto _ : state) {
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    auto core = client == Dialect::anthropic ? dialect::parse_anthropic_request(value)
                : client == Dialect::openai  ? dialect::parse_openai_request(value)
                                             : dialect::parse_responses_request(value);
    const auto* request = std::get_if<dialect::core::Request>(&core);
    if (ec || !request) {
      state.SkipWithError("the generated request was refused");
      break;
    }
    std::string out = upstream == Dialect::openai ? dialect::emit_openai_request(*request, "upstream-model")
                                                  : dialect::emit_anthropic_request(*request, "upstream-model");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  label(state, body.size());
}

// The validation parse every request gets, translated or not.
void BM_ParseRequest(benchmark::State& state, Dialect client, Shape shape) {
  const std::string& body = cached_request(client, shape);
  for (auto _ : state) {
    auto info = dialect::parse_request(client, body);
    if (!std::holds_alternative<dialect::RequestInfo>(info)) {
      state.SkipWithError("parse_request refused the generated request");
      break;
    }
    benchmark::DoNotOptimize(info);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  label(state, body.size());
}

// A whole (non-streaming) upstream response re-rendered for the client, as relay_translated does.
void BM_TranslateResponse(benchmark::State& state, Dialect upstream, Dialect client) {
  const std::string body = upstream == Dialect::openai ? openai_response() : anthropic_response();
  for (auto _ : state) {
    auto value = json::parse(body);
    auto core = upstream == Dialect::openai ? dialect::parse_openai_response(value)
                                            : dialect::parse_anthropic_response(value);
    const auto* response = std::get_if<dialect::core::Response>(&core);
    if (!response) {
      state.SkipWithError("the generated response was refused");
      break;
    }
    std::string out = client == Dialect::anthropic ? dialect::emit_anthropic_response(*response, "client-model")
                      : client == Dialect::openai  ? dialect::emit_openai_response(*response, "client-model")
                                                   : dialect::emit_responses_response(*response, "client-model", {});
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  label(state, body.size());
}

// A whole stream, fed one upstream event per feed() call (one socket read each), then finish().
// Items are upstream events, so items/s inverted is the cost per event.
template <typename Translator>
void run_stream(benchmark::State& state, const std::vector<std::string>& events, typename Translator::Options options) {
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    Translator t(options);
    out_bytes = 0;
    for (const auto& e : events) {
      out_bytes += t.feed(e).size();
    }
    out_bytes += t.finish().size();
    if (!t.done()) {
      state.SkipWithError("the stream did not complete");
      break;
    }
    benchmark::DoNotOptimize(out_bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(events)));
  state.SetLabel(std::to_string(events.size()) + " events, " + std::to_string(total_bytes(events)) + " B in, " +
                 std::to_string(out_bytes) + " B out");
}

void BM_Stream_OpenAiToAnthropic(benchmark::State& state) {
  static const auto events = openai_stream();
  run_stream<dialect::OpenAiToAnthropicStream>(state, events, {"claude-sonnet-4-5", false, 51234, "msg_bench"});
}

void BM_Stream_AnthropicToOpenAi(benchmark::State& state) {
  static const auto events = anthropic_stream();
  run_stream<dialect::AnthropicToOpenAiStream>(state, events, {"gpt-4.1", true, true, "chatcmpl-bench", 1733000000});
}

void BM_Stream_AnthropicToResponses(benchmark::State& state) {
  static const auto events = anthropic_stream();
  run_stream<dialect::AnthropicToResponsesStream>(state, events, {"gpt-5-codex", {}, "resp_bench", 1733000000});
}

// Chat Completions chunks to a Responses client: through the Anthropic translator first, as
// server/translate.cpp chains them.
void BM_Stream_OpenAiToResponses(benchmark::State& state) {
  static const auto events = openai_stream();
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    dialect::OpenAiToAnthropicStream a({"gpt-5-codex", false, 51234, "msg_bench"});
    dialect::AnthropicToResponsesStream r({"gpt-5-codex", {}, "resp_bench", 1733000000});
    std::string scratch;
    out_bytes = 0;
    for (const auto& e : events) {
      scratch.clear();
      a.feed(e, scratch);
      out_bytes += r.feed(scratch).size();
    }
    out_bytes += r.feed(a.finish()).size() + r.finish().size();
    if (!r.done()) {
      state.SkipWithError("the stream did not complete");
      break;
    }
    benchmark::DoNotOptimize(out_bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(events)));
  state.SetLabel(std::to_string(events.size()) + " events, " + std::to_string(total_bytes(events)) + " B in, " +
                 std::to_string(out_bytes) + " B out");
}

// The SSE framing alone, under both translators.
void BM_SseParse(benchmark::State& state) {
  static const auto events = anthropic_stream();
  std::size_t n = 0;
  for (auto _ : state) {
    dialect::SseParser parser;
    n = 0;
    for (const auto& e : events) {
      n += parser.feed(e).size();
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(events)));
}

BENCHMARK_CAPTURE(BM_TranslateRequest, anthropic_to_openai_2KB, Dialect::anthropic, Dialect::openai, small_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, anthropic_to_openai_200KB, Dialect::anthropic, Dialect::openai, large_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, openai_to_anthropic_2KB, Dialect::openai, Dialect::anthropic, small_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, openai_to_anthropic_200KB, Dialect::openai, Dialect::anthropic, large_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, anthropic_2KB, Dialect::anthropic, small_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, anthropic_200KB, Dialect::anthropic, large_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, openai_2KB, Dialect::openai, small_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, openai_200KB, Dialect::openai, large_shape);
BENCHMARK_CAPTURE(BM_TranslateResponse, openai_to_anthropic, Dialect::openai, Dialect::anthropic);
BENCHMARK_CAPTURE(BM_TranslateResponse, anthropic_to_openai, Dialect::anthropic, Dialect::openai);
BENCHMARK(BM_Stream_OpenAiToAnthropic);
BENCHMARK(BM_Stream_AnthropicToOpenAi);
BENCHMARK(BM_SseParse);
BENCHMARK_CAPTURE(BM_TranslateRequest, responses_to_openai_2KB, Dialect::responses, Dialect::openai, small_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, responses_to_openai_200KB, Dialect::responses, Dialect::openai, large_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, responses_to_anthropic_2KB, Dialect::responses, Dialect::anthropic, small_shape);
BENCHMARK_CAPTURE(BM_TranslateRequest, responses_to_anthropic_200KB, Dialect::responses, Dialect::anthropic, large_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, responses_2KB, Dialect::responses, small_shape);
BENCHMARK_CAPTURE(BM_ParseRequest, responses_200KB, Dialect::responses, large_shape);
BENCHMARK_CAPTURE(BM_TranslateResponse, openai_to_responses, Dialect::openai, Dialect::responses);
BENCHMARK_CAPTURE(BM_TranslateResponse, anthropic_to_responses, Dialect::anthropic, Dialect::responses);
BENCHMARK(BM_Stream_AnthropicToResponses);
BENCHMARK(BM_Stream_OpenAiToResponses);

}  // namespace

BENCHMARK_MAIN();
