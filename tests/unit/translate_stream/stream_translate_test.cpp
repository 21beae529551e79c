#include "dialect/stream_translate.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "streams.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;
namespace ts = test_streams;

struct Ev {
  std::string name;
  json::object data;
};

// Parses client-bound output; `done` frames and comments are kept as names "[DONE]" / absent.
std::vector<Ev> parse(const std::string& out) {
  SseParser p;
  std::vector<Ev> evs;
  for (SseEvent& e : p.feed(out)) {
    if (e.data == "[DONE]") {
      evs.push_back({"[DONE]", {}});
      continue;
    }
    json::value v = json::parse(e.data);
    evs.push_back({e.event, v.as_object()});
  }
  return evs;
}

OpenAiToAnthropicStream::Options o2a_opts(bool thinking = false) {
  return {"claude-sonnet-4-5", thinking, 111, "msg_fixed"};
}

std::string run_o2a(std::string_view in, bool thinking = false) {
  OpenAiToAnthropicStream t(o2a_opts(thinking));
  std::string out = t.feed(in);  // separate statement: operand order of + is unspecified
  return out + t.finish();
}

std::vector<std::string> names(const std::vector<Ev>& evs) {
  std::vector<std::string> n;
  for (const Ev& e : evs) {
    n.push_back(e.name);
  }
  return n;
}

// Concatenated partial_json per Anthropic block index.
std::string block_json(const std::vector<Ev>& evs, std::int64_t index) {
  std::string s;
  for (const Ev& e : evs) {
    if (e.name == "content_block_delta" && e.data.at("index").as_int64() == index &&
        e.data.at("delta").at("type") == "input_json_delta") {
      s += e.data.at("delta").at("partial_json").as_string();
    }
  }
  return s;
}

TEST(OpenAiToAnthropic, TextStreamEventsAndUsage) {
  std::string out = run_o2a(ts::o_text);
  auto evs = parse(out);
  EXPECT_EQ(names(evs), (std::vector<std::string>{"message_start", "content_block_start",
                                                  "content_block_delta", "content_block_delta",
                                                  "content_block_stop", "message_delta",
                                                  "message_stop"}));
  const json::object& msg = evs[0].data.at("message").as_object();
  EXPECT_EQ(msg.at("model"), "claude-sonnet-4-5");
  EXPECT_EQ(msg.at("id"), "msg_fixed");
  EXPECT_EQ(msg.at("usage").at("input_tokens"), 111);
  EXPECT_EQ(evs[1].data.at("content_block").at("type"), "text");
  EXPECT_EQ(evs[2].data.at("delta").at("text"), "Hel");
  EXPECT_EQ(evs[3].data.at("delta").at("text"), "lo \"world\"\n");
  EXPECT_EQ(evs[5].data.at("delta").at("stop_reason"), "end_turn");
  const json::object& u = evs[5].data.at("usage").as_object();
  EXPECT_EQ(u.at("input_tokens"), 56);  // 120 prompt - 64 cached
  EXPECT_EQ(u.at("cache_read_input_tokens"), 64);
  EXPECT_EQ(u.at("cache_creation_input_tokens"), 0);
  EXPECT_EQ(u.at("output_tokens"), 18);
  // Pitfall 10: every Anthropic frame is named.
  std::size_t frames = 0;
  std::size_t named = 0;
  for (std::size_t pos = 0; (pos = out.find("data: ", pos)) != std::string::npos; ++pos) {
    ++frames;
  }
  for (std::size_t pos = 0; (pos = out.find("event: ", pos)) != std::string::npos; ++pos) {
    ++named;
  }
  EXPECT_EQ(named, frames);
  EXPECT_EQ(frames, evs.size());
  for (const Ev& e : evs) {
    EXPECT_FALSE(e.name.empty());
    EXPECT_EQ(e.data.at("type").as_string(), e.name);
  }
}

TEST(OpenAiToAnthropic, UsageAccessorsMatchMessageDelta) {
  OpenAiToAnthropicStream t(o2a_opts());
  t.feed(ts::o_text);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.usage_reported());
  EXPECT_EQ(t.input_tokens(), 56);
  EXPECT_EQ(t.output_tokens(), 18);
  EXPECT_EQ(t.cache_read_input_tokens(), 64);
  EXPECT_EQ(t.finish(), "");
}

TEST(OpenAiToAnthropic, ReasoningBecomesWellFormedThinkingBlock) {
  auto evs = parse(run_o2a(ts::o_reasoning, true));
  ASSERT_EQ(names(evs), (std::vector<std::string>{
                            "message_start", "content_block_start", "content_block_delta",
                            "content_block_delta", "content_block_delta", "content_block_stop",
                            "content_block_start", "content_block_delta", "content_block_stop",
                            "message_delta", "message_stop"}));
  EXPECT_EQ(evs[1].data.at("index"), 0);
  EXPECT_EQ(evs[1].data.at("content_block").at("type"), "thinking");
  EXPECT_EQ(evs[2].data.at("delta").at("thinking"), "Let me ");
  EXPECT_EQ(evs[3].data.at("delta").at("thinking"), "think.");
  EXPECT_EQ(evs[4].data.at("delta").at("type"), "signature_delta");
  EXPECT_EQ(evs[4].data.at("index"), 0);
  EXPECT_EQ(evs[6].data.at("index"), 1);
  EXPECT_EQ(evs[6].data.at("content_block").at("type"), "text");
  EXPECT_EQ(evs[7].data.at("delta").at("text"), "Answer: 4");
  EXPECT_EQ(evs[9].data.at("usage").at("input_tokens"), 30);
  EXPECT_EQ(evs[9].data.at("usage").at("output_tokens"), 9);
}

TEST(OpenAiToAnthropic, ReasoningDroppedWhenThinkingNotRequested) {
  auto evs = parse(run_o2a(ts::o_reasoning, false));
  EXPECT_EQ(names(evs), (std::vector<std::string>{"message_start", "content_block_start",
                                                  "content_block_delta", "content_block_stop",
                                                  "message_delta", "message_stop"}));
  EXPECT_EQ(evs[1].data.at("index"), 0);
  EXPECT_EQ(evs[1].data.at("content_block").at("type"), "text");
}

TEST(OpenAiToAnthropic, ReasoningFieldAndCrlf) {
  auto evs = parse(run_o2a(ts::o_reasoning_field, true));
  ASSERT_EQ(evs.size(), 10u);
  EXPECT_EQ(evs[1].data.at("content_block").at("type"), "thinking");
  EXPECT_EQ(evs[2].data.at("delta").at("thinking"), "hmm");
  EXPECT_EQ(evs[3].data.at("delta").at("type"), "signature_delta");
  EXPECT_EQ(evs[6].data.at("delta").at("text"), "ok");
  // No upstream usage: message_delta repeats the estimate, consistent with message_start.
  EXPECT_EQ(evs[8].data.at("usage").at("input_tokens"), 111);
}

TEST(OpenAiToAnthropic, InterleavedParallelCallsBecomeSequentialBlocks) {
  auto evs = parse(run_o2a(ts::o_parallel_interleaved));
  std::vector<std::string> expect_names = {
      "message_start",       "content_block_start", "content_block_delta", "content_block_delta",
      "content_block_stop",  "content_block_start", "content_block_delta", "content_block_delta",
      "content_block_stop",  "message_delta",       "message_stop"};
  ASSERT_EQ(names(evs), expect_names);
  EXPECT_EQ(evs[1].data.at("content_block").at("id"), "call_a");
  EXPECT_EQ(evs[1].data.at("content_block").at("name"), "read_file");
  EXPECT_EQ(evs[1].data.at("index"), 0);
  EXPECT_EQ(evs[5].data.at("content_block").at("id"), "call_b");
  EXPECT_EQ(evs[5].data.at("index"), 1);
  // Call a's fragments are streamed one by one, not held back.
  EXPECT_EQ(evs[2].data.at("delta").at("partial_json"), "{\"path\": \"a");
  EXPECT_EQ(json::parse(block_json(evs, 0)), json::parse(R"({"path":"a.cpp}"})"));
  EXPECT_EQ(json::parse(block_json(evs, 1)), json::parse(R"({"pattern":"TODO"})"));
  EXPECT_EQ(evs[9].data.at("delta").at("stop_reason"), "tool_use");
  EXPECT_EQ(evs[9].data.at("usage").at("output_tokens"), 40);
}

TEST(OpenAiToAnthropic, TextThenToolsWithStopFinishIsToolUse) {
  auto evs = parse(run_o2a(ts::o_text_then_tool));
  ASSERT_GE(evs.size(), 10u);
  EXPECT_EQ(evs[1].data.at("content_block").at("type"), "text");
  EXPECT_EQ(evs[3].name, "content_block_stop");
  EXPECT_EQ(evs[4].data.at("content_block").at("id"), "call_1");
  EXPECT_EQ(evs[4].data.at("index"), 1);
  EXPECT_EQ(json::parse(block_json(evs, 1)), json::parse(R"({"path":"a.cpp"})"));
  EXPECT_EQ(json::parse(block_json(evs, 2)), json::parse("{}"));
  const Ev& md = evs[evs.size() - 2];
  EXPECT_EQ(md.name, "message_delta");
  EXPECT_EQ(md.data.at("delta").at("stop_reason"), "tool_use");
  EXPECT_EQ(md.data.at("usage").at("input_tokens"), 300);
  EXPECT_EQ(md.data.at("usage").at("output_tokens"), 25);
}

TEST(OpenAiToAnthropic, OllamaReusedIndexKeyedById) {
  auto evs = parse(run_o2a(ts::o_ollama_reused_index));
  std::vector<std::string> ids;
  for (const Ev& e : evs) {
    if (e.name == "content_block_start") {
      ids.push_back(std::string(e.data.at("content_block").at("id").as_string()));
      EXPECT_EQ(e.data.at("content_block").at("type"), "tool_use");
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"call_x1", "call_x2"}));
  EXPECT_EQ(json::parse(block_json(evs, 0)), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(json::parse(block_json(evs, 1)), json::parse(R"({"city":"Rome"})"));
  EXPECT_EQ(evs[evs.size() - 2].data.at("delta").at("stop_reason"), "tool_use");
}

TEST(OpenAiToAnthropic, MissingToolIdIsGeneratedAndValid) {
  auto evs = parse(run_o2a(ts::o_tool_without_id));
  ASSERT_EQ(evs[1].name, "content_block_start");
  std::string id(evs[1].data.at("content_block").at("id").as_string());
  EXPECT_TRUE(std::regex_match(id, std::regex("toolu_[a-zA-Z0-9_-]+"))) << id;
  EXPECT_EQ(json::parse(block_json(evs, 0)), json::parse(R"({"cmd":"ls"})"));
}

TEST(OpenAiToAnthropic, MissingFinishReasonEndsTurn) {
  auto evs = parse(run_o2a(ts::o_missing_finish));
  ASSERT_EQ(evs.back().name, "message_stop");
  EXPECT_EQ(evs[evs.size() - 2].data.at("delta").at("stop_reason"), "end_turn");
}

TEST(OpenAiToAnthropic, CutMidToolIsAnError) {
  auto evs = parse(run_o2a(ts::o_cut_mid_tool));
  ASSERT_FALSE(evs.empty());
  EXPECT_EQ(evs.back().name, "error");
  EXPECT_EQ(evs.back().data.at("error").at("type"), "api_error");
  for (const Ev& e : evs) {
    EXPECT_NE(e.name, "message_stop");
    EXPECT_NE(e.name, "message_delta");
  }
}

TEST(OpenAiToAnthropic, LengthMapsToMaxTokens) {
  auto evs = parse(run_o2a(ts::o_length));
  EXPECT_EQ(evs[evs.size() - 2].data.at("delta").at("stop_reason"), "max_tokens");
}

TEST(OpenAiToAnthropic, UpstreamErrorChunkBecomesErrorEvent) {
  auto evs = parse(run_o2a(ts::o_upstream_error));
  ASSERT_EQ(evs.back().name, "error");
  EXPECT_EQ(evs.back().data.at("error").at("type"), "overloaded_error");
  EXPECT_EQ(evs.back().data.at("error").at("message"), "Server overloaded, try later");
  EXPECT_EQ(std::count_if(evs.begin(), evs.end(), [](const Ev& e) { return e.name == "message_stop"; }), 0);
}

TEST(OpenAiToAnthropic, FailMidStreamEmitsErrorAndStops) {
  OpenAiToAnthropicStream t(o2a_opts());
  std::string out = t.feed(ts::o_text.substr(0, ts::o_text.find("finish_reason\":\"stop")));
  out += t.fail(make_error(ErrorKind::bad_gateway, "upstream connection reset"));
  auto evs = parse(out);
  ASSERT_EQ(evs.back().name, "error");
  EXPECT_EQ(evs.back().data.at("error").at("type"), "api_error");
  EXPECT_EQ(evs.back().data.at("error").at("message"), "upstream connection reset");
  EXPECT_EQ(t.feed(ts::o_text), "");
  EXPECT_EQ(t.finish(), "");
}

TEST(OpenAiToAnthropic, MalformedChunkIsAnError) {
  auto evs = parse(run_o2a("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {oops\n\n"));
  EXPECT_EQ(evs.back().name, "error");
}

// ----- Anthropic -> OpenAI

AnthropicToOpenAiStream::Options a2o_opts(bool usage) {
  return {"gpt-client", usage, true, "chatcmpl-fixed", 1700000000};
}

std::string run_a2o(std::string_view in, bool usage) {
  AnthropicToOpenAiStream t(a2o_opts(usage));
  std::string out = t.feed(in);  // separate statement: operand order of + is unspecified
  return out + t.finish();
}

TEST(AnthropicToOpenAi, FullStreamChunks) {
  std::string out = run_a2o(ts::a_full, true);
  EXPECT_EQ(out.find("event:"), std::string::npos);  // data-only frames
  EXPECT_NE(out.find(": ping\n\n"), std::string::npos);
  auto evs = parse(out);
  ASSERT_EQ(evs.back().name, "[DONE]");
  std::vector<json::object> chunks;
  for (const Ev& e : evs) {
    if (e.name != "[DONE]") {
      chunks.push_back(e.data);
    }
  }
  ASSERT_EQ(chunks.size(), 10u);
  for (const json::object& c : chunks) {
    EXPECT_EQ(c.at("model"), "gpt-client");
    EXPECT_EQ(c.at("id"), "chatcmpl-fixed");
    EXPECT_EQ(c.at("object"), "chat.completion.chunk");
  }
  auto delta = [&](std::size_t i) -> const json::object& { return chunks[i].at("choices").at(0).at("delta").as_object(); };
  EXPECT_EQ(delta(0).at("role"), "assistant");
  EXPECT_EQ(delta(1).at("reasoning_content"), "Need the file.");
  EXPECT_EQ(delta(2).at("content"), "Checking.");
  const json::value& call0 = delta(3).at("tool_calls").at(0);
  EXPECT_EQ(call0.at("index"), 0);  // tool counter, not Anthropic block index 2
  EXPECT_EQ(call0.at("id"), "toolu_9");
  EXPECT_EQ(call0.at("function").at("name"), "read_file");
  EXPECT_EQ(delta(4).at("tool_calls").at(0).at("function").at("arguments"), "{\"path\": \"a");
  EXPECT_EQ(delta(5).at("tool_calls").at(0).at("function").at("arguments"), ".cpp\"}");
  EXPECT_EQ(delta(6).at("tool_calls").at(0).at("index"), 1);
  EXPECT_EQ(delta(6).at("tool_calls").at(0).at("id"), "toolu_10");
  EXPECT_EQ(delta(7).at("tool_calls").at(0).at("function").at("arguments"), "{}");
  EXPECT_EQ(chunks[8].at("choices").at(0).at("finish_reason"), "tool_calls");
  EXPECT_TRUE(chunks[9].at("choices").as_array().empty());
  const json::value& u = chunks[9].at("usage");
  EXPECT_EQ(u.at("prompt_tokens"), 530);
  EXPECT_EQ(u.at("completion_tokens"), 42);
  EXPECT_EQ(u.at("total_tokens"), 572);
  EXPECT_EQ(u.at("prompt_tokens_details").at("cached_tokens"), 100);
}

TEST(AnthropicToOpenAi, NoUsageChunkUnlessAsked) {
  AnthropicToOpenAiStream t(a2o_opts(false));
  std::string out = t.feed(ts::a_full);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.input_tokens(), 410);
  EXPECT_EQ(t.output_tokens(), 42);
  EXPECT_EQ(out.find("\"usage\""), std::string::npos);
  EXPECT_EQ(parse(out).back().name, "[DONE]");
}

TEST(AnthropicToOpenAi, ErrorEventBecomesErrorFrameWithoutDone) {
  std::string out = run_a2o(ts::a_overloaded, false);
  auto evs = parse(out);
  ASSERT_TRUE(evs.back().data.contains("error"));
  EXPECT_EQ(evs.back().data.at("error").at("message"), "Overloaded");
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST(AnthropicToOpenAi, MissingMessageStopAfterMessageDeltaStillCompletes) {
  auto evs = parse(run_a2o(ts::a_max_tokens_no_stop, false));
  ASSERT_EQ(evs.back().name, "[DONE]");
  EXPECT_EQ(evs[evs.size() - 2].data.at("choices").at(0).at("finish_reason"), "length");
}

TEST(AnthropicToOpenAi, CutBeforeMessageDeltaIsAnError) {
  std::string out = run_a2o(ts::a_cut_early, false);
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_TRUE(parse(out).back().data.contains("error"));
}

TEST(AnthropicToOpenAi, FailEmitsErrorFrame) {
  AnthropicToOpenAiStream t(a2o_opts(false));
  std::string out = t.feed(ts::a_cut_early);
  out += t.fail(make_error(ErrorKind::timeout, "upstream too slow"));
  auto evs = parse(out);
  EXPECT_EQ(evs.back().data.at("error").at("message"), "upstream too slow");
  EXPECT_EQ(t.finish(), "");
}

// ----- chunking: any split of the upstream body gives the same client bytes.

template <class Translator, class Opts>
std::string feed_split(const Opts& opts, std::string_view in, const std::vector<std::size_t>& cuts) {
  Translator t(opts);
  std::string out;
  std::size_t prev = 0;
  for (std::size_t c : cuts) {
    out += t.feed(in.substr(prev, c - prev));
    prev = c;
  }
  out += t.feed(in.substr(prev));
  return out + t.finish();
}

template <class Translator, class Opts>
void check_chunking(const Opts& opts, std::string_view in) {
  std::string whole = feed_split<Translator>(opts, in, {});
  ASSERT_FALSE(whole.empty());
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < in.size(); ++i) {
    every.push_back(i);
  }
  EXPECT_EQ(feed_split<Translator>(opts, in, every), whole) << "byte at a time";
  std::mt19937 gen(12345);
  for (int trial = 0; trial < 20; ++trial) {
    std::uniform_int_distribution<std::size_t> pick(1, in.size() - 1);
    std::vector<std::size_t> cuts;
    for (int k = 0; k < 1 + trial % 7; ++k) {
      cuts.push_back(pick(gen));
    }
    std::sort(cuts.begin(), cuts.end());
    EXPECT_EQ(feed_split<Translator>(opts, in, cuts), whole) << "trial " << trial;
  }
}

TEST(StreamChunking, OpenAiToAnthropicAnySplitSameOutput) {
  for (std::string_view in :
       {ts::o_text, ts::o_reasoning, ts::o_reasoning_field, ts::o_parallel_interleaved,
        ts::o_text_then_tool, ts::o_ollama_reused_index, ts::o_tool_without_id,
        ts::o_missing_finish, ts::o_cut_mid_tool, ts::o_length, ts::o_upstream_error}) {
    SCOPED_TRACE(std::string(in.substr(0, 80)));
    check_chunking<OpenAiToAnthropicStream>(o2a_opts(true), in);
  }
}

TEST(StreamChunking, AnthropicToOpenAiAnySplitSameOutput) {
  for (std::string_view in : {ts::a_full, ts::a_overloaded, ts::a_max_tokens_no_stop, ts::a_cut_early}) {
    SCOPED_TRACE(std::string(in.substr(0, 80)));
    check_chunking<AnthropicToOpenAiStream>(a2o_opts(true), in);
  }
}

}  // namespace
}  // namespace spillway::dialect
