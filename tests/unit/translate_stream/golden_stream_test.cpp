// Golden tests for the stream translators (issue 3): every case in golden/ is an upstream body
// as a real server sends it (NAME.upstream.sse), the translator's settings (NAME.options) and
// the exact bytes the client must receive (NAME.expected.sse). Each case is fed whole, one byte
// at a time, split at every single point and at 200 seeded random sets of points; every feeding
// must give the expected bytes, and the output must be a well-formed stream of the client's
// dialect (PROTOCOLS.md 1.5, 2.3, 3.3, 3.6).
//
// NAME.options, one key=value a line (# starts a comment):
//   direction=openai_to_anthropic | anthropic_to_openai
//   client_model=...                      both directions
//   thinking_requested, input_token_estimate, message_id       openai_to_anthropic
//   include_usage, include_reasoning, completion_id, created   anthropic_to_openai
//   fail=KIND MESSAGE   end with fail(make_error(KIND, MESSAGE)) instead of finish()
//                       (KIND: api_error, bad_gateway, timeout, overloaded)
//   disabled=REASON     registers the case as DISABLED_ (output believed wrong; see REASON)
//
// Rewriting the expected files from the current implementation (then check them by eye):
//   SPILLWAY_GOLDEN_UPDATE=1 build-golden/unit_translate_stream --gtest_filter='GoldenStream.*'
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dialect/sse.hpp"
#include "dialect/stream_translate.hpp"

namespace spillway::dialect {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Found next to this source file, so the test runs from any working directory.
const fs::path golden_dir = fs::path(__FILE__).parent_path() / "golden";

bool update_mode() {
  const char* v = std::getenv("SPILLWAY_GOLDEN_UPDATE");
  return v != nullptr && std::string_view(v) == "1";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::map<std::string, std::string> read_options(const fs::path& p) {
  std::map<std::string, std::string> opts;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto eq = line.find('=');
    if (eq != std::string::npos) {
      opts[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return opts;
}

struct Case {
  std::string name;
  std::map<std::string, std::string> opts;
  std::string upstream;
  fs::path expected_path;

  std::string opt(const std::string& key, std::string fallback = "") const {
    auto it = opts.find(key);
    return it == opts.end() ? fallback : it->second;
  }
  bool flag(const std::string& key, bool fallback) const {
    std::string v = opt(key, fallback ? "true" : "false");
    return v == "true" || v == "1";
  }
  bool to_anthropic() const { return opt("direction") == "openai_to_anthropic"; }
};

ApiError fail_error(const std::string& spec) {
  auto sp = spec.find(' ');
  std::string kind = spec.substr(0, sp);
  std::string message = sp == std::string::npos ? "" : spec.substr(sp + 1);
  ErrorKind k = kind == "bad_gateway" ? ErrorKind::bad_gateway
                : kind == "timeout"   ? ErrorKind::timeout
                : kind == "overloaded" ? ErrorKind::overloaded
                                       : ErrorKind::api_error;
  return make_error(k, message, ErrorSource::upstream);
}

// What a feeding produced, plus the translator's own usage accounting at the end.
struct Run {
  std::string out;
  bool done = false;
  bool silent_after_end = true;  // feed()/finish()/fail() returned "" after the end
  std::int64_t input_tokens = -1, output_tokens = -1, cache_read = -1, cache_creation = -1;
};

template <class Translator>
Run run_with(Translator& t, const Case& c, const std::vector<std::size_t>& cuts) {
  Run r;
  std::string_view in = c.upstream;
  std::size_t prev = 0;
  for (std::size_t cut : cuts) {
    r.out += t.feed(in.substr(prev, cut - prev));
    prev = cut;
  }
  r.out += t.feed(in.substr(prev));
  std::string fail = c.opt("fail");
  r.out += fail.empty() ? t.finish() : t.fail(fail_error(fail));
  r.done = t.done();
  r.silent_after_end = t.feed(in).empty() && t.finish().empty() && t.fail(fail_error("api_error late")).empty();
  r.input_tokens = t.input_tokens();
  r.output_tokens = t.output_tokens();
  r.cache_read = t.cache_read_input_tokens();
  r.cache_creation = t.cache_creation_input_tokens();
  return r;
}

Run run(const Case& c, const std::vector<std::size_t>& cuts) {
  if (c.to_anthropic()) {
    OpenAiToAnthropicStream t({c.opt("client_model"), c.flag("thinking_requested", false),
                               std::stoll(c.opt("input_token_estimate", "0")), c.opt("message_id")});
    return run_with(t, c, cuts);
  }
  AnthropicToOpenAiStream t({c.opt("client_model"), c.flag("include_usage", false), c.flag("include_reasoning", true),
                             c.opt("completion_id"), std::stoll(c.opt("created", "0"))});
  return run_with(t, c, cuts);
}

// Where two outputs first differ, with some context, instead of two walls of text.
std::string first_difference(const std::string& want, const std::string& got) {
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) {
    ++i;
  }
  std::size_t from = i > 80 ? i - 80 : 0;
  std::ostringstream s;
  s << "first difference at byte " << i << " (expected " << want.size() << " bytes, got " << got.size()
    << ")\n  expected: ..." << json::serialize(json::value(want.substr(from, 160))) << "\n  got:      ..."
    << json::serialize(json::value(got.substr(from, 160)));
  return s.str();
}

// ----- well-formedness of the client stream

std::vector<SseEvent> frames_of(const std::string& out) {
  SseParser p;
  return p.feed(out);
}

bool is_count(const json::value* v) { return v != nullptr && v->is_int64() && v->as_int64() >= 0; }

const std::regex tool_id_re("^[a-zA-Z0-9_-]+$");

void check_anthropic_stream(const Case& c, const Run& r) {
  const std::string& out = r.out;
  ASSERT_TRUE(out.size() >= 2 && out.ends_with("\n\n")) << "output must end with a complete frame";
  // Raw framing: only `event:` and `data:` lines, each frame one of each (pitfall 10).
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.empty() || line.starts_with("event: ") || line.starts_with("data: ")) << line;
  }
  auto frames = frames_of(out);
  ASSERT_FALSE(frames.empty());
  enum { before_start, in_message, after_delta, ended } state = before_start;
  int next_index = 0;
  int open = -1;
  std::string open_type;
  std::string tool_json;
  bool signature_seen = false;
  json::object start_usage;
  json::object delta_usage;
  bool ended_with_error = false;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const SseEvent& f = frames[i];
    SCOPED_TRACE("frame " + std::to_string(i) + ": " + f.event + " " + f.data);
    ASSERT_NE(state, ended) << "frame after the terminal one";
    ASSERT_FALSE(f.event.empty()) << "every Anthropic frame is named";
    json::error_code ec;
    json::value v = json::parse(f.data, ec);
    ASSERT_FALSE(ec) << "data is not JSON";
    ASSERT_TRUE(v.is_object());
    const json::object& d = v.as_object();
    ASSERT_TRUE(d.contains("type") && d.at("type").is_string());
    EXPECT_EQ(d.at("type").as_string(), f.event) << "data type must equal the event name";
    const std::string& name = f.event;
    if (name == "error") {
      const json::object* e = d.at("error").if_object();
      ASSERT_NE(e, nullptr);
      EXPECT_TRUE(e->contains("message") && e->at("message").is_string());
      std::string_view type = e->at("type").as_string();
      EXPECT_TRUE(type == "api_error" || type == "overloaded_error") << "rule 7: " << type;
      state = ended;
      ended_with_error = true;
      continue;
    }
    if (name == "ping") {
      continue;
    }
    if (name == "message_start") {
      ASSERT_EQ(state, before_start) << "one message_start, first";
      const json::object& m = d.at("message").as_object();
      EXPECT_EQ(m.at("type"), "message");
      EXPECT_EQ(m.at("role"), "assistant");
      EXPECT_EQ(m.at("model").as_string(), c.opt("client_model"));
      EXPECT_TRUE(m.at("content").as_array().empty());
      EXPECT_TRUE(m.at("stop_reason").is_null());
      start_usage = m.at("usage").as_object();
      state = in_message;
      continue;
    }
    ASSERT_EQ(state == before_start, false) << name << " before message_start";
    if (name == "content_block_start") {
      ASSERT_EQ(state, in_message);
      ASSERT_EQ(open, -1) << "only one block open at a time";
      ASSERT_EQ(d.at("index"), next_index) << "block indexes are contiguous from 0";
      const json::object& b = d.at("content_block").as_object();
      open_type = std::string(b.at("type").as_string());
      if (open_type == "text") {
        EXPECT_EQ(b.at("text"), "");
      } else if (open_type == "thinking") {
        EXPECT_EQ(b.at("thinking"), "");
        EXPECT_EQ(b.at("signature"), "");
      } else if (open_type == "tool_use") {
        std::string id(b.at("id").as_string());
        EXPECT_TRUE(std::regex_match(id, tool_id_re)) << id;
        EXPECT_FALSE(b.at("name").as_string().empty());
        EXPECT_TRUE(b.at("input").as_object().empty());
      } else {
        ADD_FAILURE() << "unexpected block type " << open_type;
      }
      open = next_index++;
      tool_json.clear();
      signature_seen = false;
    } else if (name == "content_block_delta") {
      ASSERT_EQ(d.at("index"), open) << "delta for a block that is not open";
      const json::object& delta = d.at("delta").as_object();
      std::string_view type = delta.at("type").as_string();
      if (open_type == "text") {
        ASSERT_EQ(type, "text_delta");
        EXPECT_FALSE(delta.at("text").as_string().empty()) << "rule 3: no empty text deltas";
      } else if (open_type == "thinking") {
        EXPECT_FALSE(signature_seen) << "signature_delta comes last in a thinking block";
        if (type == "signature_delta") {
          signature_seen = true;
          EXPECT_TRUE(delta.at("signature").is_string());
        } else {
          ASSERT_EQ(type, "thinking_delta");
        }
      } else {
        ASSERT_EQ(type, "input_json_delta");
        tool_json += delta.at("partial_json").as_string();
      }
    } else if (name == "content_block_stop") {
      ASSERT_EQ(d.at("index"), open);
      if (open_type == "thinking") {
        EXPECT_TRUE(signature_seen) << "rule 2: a thinking block ends with a signature_delta";
      } else if (open_type == "tool_use" && !tool_json.empty()) {
        json::value input = json::parse(tool_json, ec);
        EXPECT_FALSE(ec) << "tool input is not JSON: " << tool_json;
        EXPECT_TRUE(input.is_object()) << tool_json;
      }
      open = -1;
    } else if (name == "message_delta") {
      ASSERT_EQ(state, in_message) << "one message_delta";
      ASSERT_EQ(open, -1) << "message_delta with a block open";
      std::string_view stop = d.at("delta").at("stop_reason").as_string();
      EXPECT_TRUE(stop == "end_turn" || stop == "max_tokens" || stop == "tool_use" || stop == "refusal" ||
                  stop == "stop_sequence")
          << stop;
      delta_usage = d.at("usage").as_object();
      state = after_delta;
    } else if (name == "message_stop") {
      ASSERT_EQ(state, after_delta) << "message_stop without message_delta";
      state = ended;
    } else {
      ADD_FAILURE() << "unknown event " << name;
    }
  }
  EXPECT_EQ(state, ended) << "the stream must end with message_stop or error";
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.silent_after_end);
  if (ended_with_error) {
    return;
  }
  // Usage: the same four counts in message_start and message_delta (the latter cumulative),
  // and the final values are what the translator accounts for.
  for (const char* key : {"input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"}) {
    EXPECT_TRUE(is_count(start_usage.if_contains(key))) << "message_start usage." << key;
    EXPECT_TRUE(is_count(delta_usage.if_contains(key))) << "message_delta usage." << key;
  }
  if (!is_count(delta_usage.if_contains("output_tokens")) || !is_count(start_usage.if_contains("output_tokens"))) {
    return;
  }
  EXPECT_GE(delta_usage.at("output_tokens").as_int64(), start_usage.at("output_tokens").as_int64());
  EXPECT_EQ(delta_usage.at("input_tokens").as_int64(), r.input_tokens);
  EXPECT_EQ(delta_usage.at("output_tokens").as_int64(), r.output_tokens);
  EXPECT_EQ(delta_usage.at("cache_read_input_tokens").as_int64(), r.cache_read);
  EXPECT_EQ(delta_usage.at("cache_creation_input_tokens").as_int64(), r.cache_creation);
}

void check_openai_stream(const Case& c, const Run& r) {
  const std::string& out = r.out;
  ASSERT_TRUE(out.size() >= 2 && out.ends_with("\n\n")) << "output must end with a complete frame";
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.empty() || line.starts_with("data: ") || line.starts_with(": "))
        << "data-only frames and comments: " << line;
  }
  const bool include_usage = c.flag("include_usage", false);
  auto frames = frames_of(out);
  ASSERT_FALSE(frames.empty());
  bool ended = false;
  bool ended_with_error = false;
  bool finish_seen = false;
  bool usage_seen = false;
  std::vector<std::string> arguments;  // per tool call index k
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const SseEvent& f = frames[i];
    SCOPED_TRACE("frame " + std::to_string(i) + ": " + f.data);
    ASSERT_FALSE(ended) << "frame after the terminal one";
    EXPECT_TRUE(f.event.empty());
    if (f.data == "[DONE]") {
      EXPECT_TRUE(finish_seen) << "[DONE] without a finish_reason";
      EXPECT_EQ(usage_seen, include_usage) << "the usage chunk comes exactly when include_usage";
      ended = true;
      continue;
    }
    json::error_code ec;
    json::value v = json::parse(f.data, ec);
    ASSERT_FALSE(ec) << "data is not JSON";
    const json::object& d = v.as_object();
    if (d.contains("error")) {
      const json::object& e = d.at("error").as_object();
      EXPECT_TRUE(e.at("message").is_string());
      EXPECT_TRUE(e.at("type").is_string());
      ended = ended_with_error = true;
      continue;
    }
    ASSERT_FALSE(usage_seen) << "only [DONE] follows the usage chunk";
    EXPECT_EQ(d.at("object"), "chat.completion.chunk");
    EXPECT_EQ(d.at("id").as_string(), c.opt("completion_id"));
    EXPECT_EQ(d.at("created").as_int64(), std::stoll(c.opt("created")));
    EXPECT_EQ(d.at("model").as_string(), c.opt("client_model"));
    const json::array& choices = d.at("choices").as_array();
    if (choices.empty()) {
      ASSERT_TRUE(include_usage) << "usage chunk without include_usage";
      ASSERT_TRUE(finish_seen) << "usage chunk before finish_reason";
      const json::object& u = d.at("usage").as_object();
      EXPECT_EQ(u.at("total_tokens").as_int64(), u.at("prompt_tokens").as_int64() + u.at("completion_tokens").as_int64());
      EXPECT_LE(u.at("prompt_tokens_details").at("cached_tokens").as_int64(), u.at("prompt_tokens").as_int64());
      EXPECT_EQ(u.at("completion_tokens").as_int64(), r.output_tokens);
      EXPECT_EQ(u.at("prompt_tokens").as_int64(), r.input_tokens + r.cache_read + r.cache_creation);
      usage_seen = true;
      continue;
    }
    if (include_usage) {
      EXPECT_TRUE(d.at("usage").is_null()) << "with include_usage every other chunk has usage: null";
    } else {
      EXPECT_FALSE(d.contains("usage"));
    }
    ASSERT_EQ(choices.size(), 1u);
    const json::object& choice = choices[0].as_object();
    EXPECT_EQ(choice.at("index"), 0);
    const json::object& delta = choice.at("delta").as_object();
    EXPECT_EQ(i == 0, delta.contains("role")) << "role comes in the first chunk only";
    ASSERT_FALSE(finish_seen) << "a chunk with content after finish_reason";
    if (!choice.at("finish_reason").is_null()) {
      std::string_view fr = choice.at("finish_reason").as_string();
      EXPECT_TRUE(fr == "stop" || fr == "length" || fr == "tool_calls" || fr == "content_filter") << fr;
      EXPECT_TRUE(delta.empty());
      finish_seen = true;
    }
    if (const json::value* calls = delta.if_contains("tool_calls")) {
      for (const json::value& call : calls->as_array()) {
        auto k = static_cast<std::size_t>(call.at("index").as_int64());
        if (call.as_object().contains("id")) {
          ASSERT_EQ(k, arguments.size()) << "tool call indexes count 0,1,2...";
          EXPECT_EQ(call.at("type"), "function");
          EXPECT_FALSE(call.at("function").at("name").as_string().empty());
          arguments.emplace_back();
        }
        ASSERT_LT(k, arguments.size()) << "fragment for a call never announced";
        arguments[k] += call.at("function").at("arguments").as_string();
      }
    }
  }
  EXPECT_TRUE(ended) << "the stream must end with [DONE] or an error frame";
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.silent_after_end);
  if (!ended_with_error) {
    for (const std::string& a : arguments) {
      json::error_code ec;
      json::value parsed = json::parse(a.empty() ? "{}" : a, ec);
      EXPECT_FALSE(ec) << "tool arguments are not JSON: " << a;
      EXPECT_TRUE(parsed.is_object()) << a;
    }
  }
}

// ----- the test body

void run_golden_case(const Case& c) {
  ASSERT_TRUE(c.to_anthropic() || c.opt("direction") == "anthropic_to_openai") << "bad direction";
  Run whole = run(c, {});
  if (update_mode() && !c.opts.contains("disabled")) {  // a disabled case keeps its hand-written expectation
    write_file(c.expected_path, whole.out);
  }
  ASSERT_TRUE(fs::exists(c.expected_path)) << c.expected_path << " missing (SPILLWAY_GOLDEN_UPDATE=1 writes it)";
  const std::string expected = read_file(c.expected_path);
  ASSERT_TRUE(whole.out == expected) << "whole body: " << first_difference(expected, whole.out);
  if (c.to_anthropic()) {
    check_anthropic_stream(c, whole);
  } else {
    check_openai_stream(c, whole);
  }

  const std::size_t n = c.upstream.size();
  ASSERT_GT(n, 1u);
  std::vector<std::size_t> every(n - 1);
  for (std::size_t i = 0; i < every.size(); ++i) {
    every[i] = i + 1;
  }
  Run bytewise = run(c, every);
  EXPECT_TRUE(bytewise.out == expected) << "one byte at a time: " << first_difference(expected, bytewise.out);

  for (std::size_t cut = 1; cut < n; ++cut) {
    Run split = run(c, {cut});
    if (split.out != expected) {
      ADD_FAILURE() << "split at byte " << cut << ": " << first_difference(expected, split.out);
      break;  // one report is enough
    }
  }

  // Seeded per case so a failure reproduces; a few to many cuts per trial.
  std::mt19937 gen(static_cast<std::uint32_t>(std::hash<std::string>{}(c.name) ^ 0x5eed));
  std::uniform_int_distribution<std::size_t> pick(1, n - 1);
  std::uniform_int_distribution<int> how_many(1, 40);
  for (int trial = 0; trial < 200; ++trial) {
    std::set<std::size_t> cut_set;
    for (int k = how_many(gen); k > 0; --k) {
      cut_set.insert(pick(gen));
    }
    std::vector<std::size_t> cuts(cut_set.begin(), cut_set.end());
    Run split = run(c, cuts);
    if (split.out != expected) {
      std::ostringstream at;
      for (std::size_t cut : cuts) {
        at << cut << ' ';
      }
      ADD_FAILURE() << "random trial " << trial << " cuts [" << at.str() << "]: " << first_difference(expected, split.out);
      break;
    }
  }
}

class GoldenStreamTest : public testing::Test {
 public:
  explicit GoldenStreamTest(Case c) : case_(std::move(c)) {}
  void TestBody() override { run_golden_case(case_); }

 private:
  Case case_;
};

class MissingGoldenDir : public testing::Test {
 public:
  void TestBody() override { FAIL() << "no golden cases found in " << golden_dir; }
};

// One test per NAME.upstream.sse, registered before main() runs so that --gtest_list_tests
// (and so ctest) sees each case by name.
[[maybe_unused]] const bool registered = [] {
  std::vector<fs::path> inputs;
  if (fs::is_directory(golden_dir)) {
    for (const auto& entry : fs::directory_iterator(golden_dir)) {
      if (entry.path().string().ends_with(".upstream.sse")) {
        inputs.push_back(entry.path());
      }
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    testing::RegisterTest("GoldenStream", "NoCases", nullptr, nullptr, __FILE__, __LINE__,
                          []() -> testing::Test* { return new MissingGoldenDir; });
  }
  for (const fs::path& input : inputs) {
    Case c;
    std::string file = input.filename().string();
    c.name = file.substr(0, file.size() - std::string_view(".upstream.sse").size());
    c.upstream = read_file(input);
    c.opts = read_options(golden_dir / (c.name + ".options"));
    c.expected_path = golden_dir / (c.name + ".expected.sse");
    std::string test_name = (c.opts.contains("disabled") ? "DISABLED_" : "") + c.name;
    testing::RegisterTest("GoldenStream", test_name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [c]() -> testing::Test* { return new GoldenStreamTest(c); });
  }
  return true;
}();

// The checkers above must be able to fail: each broken stream below trips at least one check.
std::size_t failures_in(const Case& c, const std::string& out) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    Run r;
    r.out = out;
    r.done = true;
    r.input_tokens = 5;
    r.output_tokens = 2;
    r.cache_read = r.cache_creation = 0;
    if (c.to_anthropic()) {
      check_anthropic_stream(c, r);
    } else {
      check_openai_stream(c, r);
    }
  }
  return static_cast<std::size_t>(results.size());
}

TEST(GoldenStreamChecker, AcceptsAGoodStreamAndCatchesBrokenOnes) {
  Case a;
  a.opts = {{"direction", "openai_to_anthropic"}, {"client_model", "m"}};
  const std::string start =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"type\":\"message\",\"role\":"
      "\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5,"
      "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}}\n\n";
  const std::string text = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                           "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                           "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                           "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n";
  const std::string stop0 = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  const std::string end =
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
      "\"output_tokens\":2}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  EXPECT_EQ(failures_in(a, start + text + stop0 + end), 0u);
  EXPECT_GT(failures_in(a, start + text + end), 0u) << "message_delta with a block open";
  EXPECT_GT(failures_in(a, text + stop0 + end), 0u) << "no message_start";
  EXPECT_GT(failures_in(a, start + text + stop0), 0u) << "no terminal event";
  std::string renamed = start + text + stop0 + end;
  renamed.replace(renamed.find("event: content_block_stop"), 25, "event: content_block_end");
  EXPECT_GT(failures_in(a, renamed), 0u) << "event name differs from data type";
  std::string usage = start + text + stop0 + end;
  usage.replace(usage.rfind("\"output_tokens\":2"), 17, "\"output_tokens\":3");
  EXPECT_GT(failures_in(a, usage), 0u) << "message_delta usage differs from the accounting";

  Case o;
  o.opts = {{"direction", "anthropic_to_openai"}, {"client_model", "m"}, {"completion_id", "c"}, {"created", "1"}};
  const std::string prefix = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
  const std::string role = prefix + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n";
  const std::string fin = prefix + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
  EXPECT_EQ(failures_in(o, role + fin + "data: [DONE]\n\n"), 0u);
  EXPECT_GT(failures_in(o, role + "data: [DONE]\n\n"), 0u) << "[DONE] without finish_reason";
  EXPECT_GT(failures_in(o, role + fin), 0u) << "no terminal frame";
  EXPECT_GT(failures_in(o, role + fin + "data: [DONE]\n\n" + fin), 0u) << "a frame after [DONE]";
  EXPECT_GT(failures_in(o, "event: x\n" + role + fin + "data: [DONE]\n\n"), 0u) << "named event";
}

}  // namespace
}  // namespace spillway::dialect
