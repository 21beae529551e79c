// Responses streams (what Codex reads) from Anthropic events, and from Chat Completions chunks
// through OpenAiToAnthropicStream (PROTOCOLS.md 2.6, 3.7). Each upstream body is fed whole, a
// byte at a time and split at every point; every feeding must give the same bytes, and those
// must be a well-formed Responses stream: named events whose data repeats the name, sequence
// numbers 0, 1, 2..., response.created first, one terminal event last, every item added before
// its deltas and done after them, deltas adding up to the done text.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <map>

#include "dialect/responses_response.hpp"
#include "dialect/sse.hpp"
#include "dialect/stream_translate.hpp"
#include "streams.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;

constexpr std::string_view a_text_and_tool = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"usage":{"input_tokens":120,"cache_read_input_tokens":40,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"I should "}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"look."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: ping
data: {"type":"ping"}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Reading "}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"\"it\"."}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"exec_command","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"cmd\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"ls\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_2","name":"apply_patch","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"input\": \"*** Begin"}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":" Patch\\n\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":31}}

event: message_stop
data: {"type":"message_stop"}

)";

constexpr std::string_view a_cut_by_length = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"So far"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"}

)";

constexpr std::string_view a_overloaded_midstream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_3","type":"message","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hal"}}

event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

)";

using Translate = std::function<std::string(std::string_view body, const std::vector<std::size_t>& cuts)>;

// From Anthropic events directly.
std::string from_anthropic(std::string_view body, const std::vector<std::size_t>& cuts, bool finish = true) {
  AnthropicToResponsesStream t({"gpt-5", {"apply_patch"}, "resp_T", 1700000000});
  std::string out;
  std::size_t prev = 0;
  for (auto cut : cuts) {
    out += t.feed(body.substr(prev, cut - prev));
    prev = cut;
  }
  out += t.feed(body.substr(prev));
  if (finish) {
    out += t.finish();
  }
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.feed(body).empty() && t.finish().empty()) << "silent after the terminal event";
  return out;
}

// From Chat Completions chunks, through the Anthropic translator, as the gateway chains them.
std::string from_openai(std::string_view body, const std::vector<std::size_t>& cuts) {
  OpenAiToAnthropicStream a({"gpt-5", true, 50, "msg_T"});
  AnthropicToResponsesStream t({"gpt-5", {}, "resp_T", 1700000000});
  std::string out;
  std::size_t prev = 0;
  auto feed = [&](std::string_view piece) { out += t.feed(a.feed(piece)); };
  for (auto cut : cuts) {
    feed(body.substr(prev, cut - prev));
    prev = cut;
  }
  feed(body.substr(prev));
  out += t.feed(a.finish());
  out += t.finish();
  return out;
}

// Every chunking gives the same bytes as the whole body.
std::string same_in_every_chunking(std::string_view body, const Translate& translate) {
  const std::string whole = translate(body, {});
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < body.size(); ++i) {
    every.push_back(i);
  }
  EXPECT_EQ(translate(body, every), whole) << "fed a byte at a time";
  for (std::size_t i = 1; i < body.size(); ++i) {
    const auto split = translate(body, {i});
    if (split != whole) {
      ADD_FAILURE() << "split at byte " << i << " differs";
      break;
    }
  }
  return whole;
}

struct Event {
  std::string name;
  json::object data;
};

// Parses the client stream and checks the rules every Responses stream must keep.
std::vector<Event> well_formed(const std::string& out) {
  SseParser parser;
  std::vector<Event> events;
  for (auto& f : parser.feed(out)) {
    json::error_code ec;
    auto v = json::parse(f.data, ec);
    EXPECT_FALSE(ec) << f.data;
    if (ec || !v.is_object()) {
      return events;
    }
    events.push_back({f.event, v.as_object()});
  }
  EXPECT_TRUE(out.ends_with("\n\n"));
  if (events.empty()) {
    ADD_FAILURE() << "no events";
    return events;
  }
  EXPECT_EQ(events.front().name, "response.created");
  const auto& last = events.back().name;
  EXPECT_TRUE(last == "response.completed" || last == "response.incomplete" || last == "response.failed") << last;
  std::map<std::int64_t, std::string> added;  // output_index -> item type
  std::map<std::int64_t, std::string> text;   // accumulated deltas per output_index
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& [name, d] = events[i];
    SCOPED_TRACE(name + " " + json::serialize(d));
    EXPECT_EQ(d.at("type").as_string(), name) << "data type repeats the event name";
    EXPECT_EQ(d.at("sequence_number"), static_cast<std::int64_t>(i));
    if (i + 1 < events.size()) {
      EXPECT_TRUE(name != "response.completed" && name != "response.failed" && name != "response.incomplete");
    }
    if (name == "response.output_item.added") {
      added[d.at("output_index").as_int64()] = std::string(d.at("item").at("type").as_string());
      if (const auto* status = d.at("item").as_object().if_contains("status")) {
        EXPECT_EQ(*status, "in_progress");
      }
    } else if (name.ends_with(".delta")) {
      const auto index = d.at("output_index").as_int64();
      EXPECT_TRUE(added.count(index)) << "delta before its item";
      text[index] += std::string(d.at("delta").as_string());
    } else if (name == "response.output_text.done" || name == "response.reasoning_summary_text.done") {
      EXPECT_EQ(d.at("text").as_string(), text[d.at("output_index").as_int64()]) << "deltas add up to the text";
    } else if (name == "response.function_call_arguments.done") {
      const auto index = d.at("output_index").as_int64();
      EXPECT_EQ(d.at("arguments").as_string(), text[index]);
      json::error_code ec;
      json::parse(d.at("arguments").as_string(), ec);
      EXPECT_FALSE(ec) << "complete arguments are JSON";
    } else if (name == "response.output_item.done") {
      const auto index = d.at("output_index").as_int64();
      EXPECT_EQ(added[index], d.at("item").at("type").as_string());
      added.erase(index);
    }
  }
  if (last != "response.failed") {
    EXPECT_TRUE(added.empty()) << "every item added is done";
  }
  return events;
}

const Event* find(const std::vector<Event>& events, std::string_view name, std::size_t nth = 0) {
  for (const auto& e : events) {
    if (e.name == name && nth-- == 0) {
      return &e;
    }
  }
  return nullptr;
}

TEST(ResponsesStream, AnthropicTextReasoningCallsAndCustomTools) {
  const auto out = same_in_every_chunking(
      a_text_and_tool, [](std::string_view b, const std::vector<std::size_t>& c) { return from_anthropic(b, c); });
  const auto events = well_formed(out);
  ASSERT_FALSE(events.empty());
  const auto* completed = find(events, "response.completed");
  ASSERT_NE(completed, nullptr);
  const auto& response = completed->data.at("response").as_object();
  EXPECT_EQ(response.at("id"), "resp_T");
  EXPECT_EQ(response.at("model"), "gpt-5");
  EXPECT_EQ(response.at("status"), "completed");
  const auto& output = response.at("output").as_array();
  ASSERT_EQ(output.size(), 4u);
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[0].at("summary").as_array()[0].at("text"), "I should look.");
  EXPECT_EQ(output[1].at("type"), "message");
  EXPECT_EQ(output[1].at("content").as_array()[0].at("text"), "Reading \"it\".");
  EXPECT_EQ(output[2].at("type"), "function_call");
  EXPECT_EQ(output[2].at("call_id"), "toolu_1");
  EXPECT_EQ(output[2].at("name"), "exec_command");
  EXPECT_EQ(json::parse(output[2].at("arguments").as_string()).at("cmd"), "ls");
  EXPECT_EQ(output[3].at("type"), "custom_tool_call");
  EXPECT_EQ(output[3].at("input"), "*** Begin Patch\n") << "the raw text, unwrapped";
  // Codex reads calls from output_item.done: complete there.
  const auto* call_done = find(events, "response.output_item.done", 2);
  ASSERT_NE(call_done, nullptr);
  EXPECT_EQ(call_done->data.at("item").at("arguments"), output[2].at("arguments"));
  EXPECT_EQ(call_done->data.at("item").at("status"), "completed");
  const auto& usage = response.at("usage").as_object();
  EXPECT_EQ(usage.at("input_tokens"), 160);
  EXPECT_EQ(usage.at("input_tokens_details").at("cached_tokens"), 40);
  EXPECT_EQ(usage.at("output_tokens"), 31);
  // Item ids are unique and follow the response's.
  EXPECT_EQ(output[0].at("id"), "rs_T_0");
  EXPECT_EQ(output[3].at("id"), "ctc_T_3");
}

TEST(ResponsesStream, LengthStopEndsIncomplete) {
  const auto out = same_in_every_chunking(
      a_cut_by_length, [](std::string_view b, const std::vector<std::size_t>& c) { return from_anthropic(b, c); });
  const auto events = well_formed(out);
  const auto* end = find(events, "response.incomplete");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->data.at("response").at("incomplete_details").at("reason"), "max_output_tokens");
}

TEST(ResponsesStream, UpstreamErrorEndsFailedWithACode) {
  const auto out = same_in_every_chunking(a_overloaded_midstream, [](std::string_view b, const std::vector<std::size_t>& c) {
    return from_anthropic(b, c);
  });
  const auto events = well_formed(out);
  const auto* failed = find(events, "response.failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->data.at("response").at("error").at("code"), "server_is_overloaded");
  EXPECT_EQ(failed->data.at("response").at("status"), "failed");
}

TEST(ResponsesStream, CutStreamAndGatewayFailureEndFailed) {
  // The upstream stopped after its first text delta: finish() must still give Codex an end.
  const std::string_view body = a_text_and_tool.substr(0, a_text_and_tool.find("event: content_block_stop"));
  auto events = well_formed(from_anthropic(body, {}));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().name, "response.failed");

  AnthropicToResponsesStream t({"gpt-5", {}, "resp_T", 1});
  auto out = t.feed(a_cut_by_length.substr(0, 300));
  auto limited = make_error(ErrorKind::rate_limit, "no capacity", ErrorSource::gateway);
  limited.retry_after_s = 3;
  out += t.fail(limited);
  events = well_formed(out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().data.at("response").at("error").at("code"), "rate_limit_exceeded");
}

TEST(ResponsesStream, FromChatCompletionsChunks) {
  const auto translate = [](std::string_view b, const std::vector<std::size_t>& c) { return from_openai(b, c); };
  {
    const auto events = well_formed(same_in_every_chunking(test_streams::o_text, translate));
    const auto* done = find(events, "response.completed");
    ASSERT_NE(done, nullptr);
    const auto& response = done->data.at("response").as_object();
    EXPECT_EQ(response.at("output").as_array()[0].at("content").as_array()[0].at("text"), "Hello \"world\"\n");
    // prompt_tokens includes the cached part, and so does a Responses input count.
    EXPECT_EQ(response.at("usage").at("input_tokens"), 120);
    EXPECT_EQ(response.at("usage").at("input_tokens_details").at("cached_tokens"), 64);
    EXPECT_EQ(response.at("usage").at("output_tokens"), 18);
  }
  {
    const auto events = well_formed(same_in_every_chunking(test_streams::o_parallel_interleaved, translate));
    const auto* done = find(events, "response.completed");
    ASSERT_NE(done, nullptr);
    const auto& output = done->data.at("response").at("output").as_array();
    ASSERT_EQ(output.size(), 2u);
    EXPECT_EQ(output[0].at("call_id"), "call_a");
    EXPECT_EQ(json::parse(output[0].at("arguments").as_string()).at("path"), "a.cpp}");
    EXPECT_EQ(output[1].at("call_id"), "call_b");
    EXPECT_EQ(json::parse(output[1].at("arguments").as_string()).at("pattern"), "TODO");
  }
  {
    const auto events = well_formed(same_in_every_chunking(test_streams::o_reasoning, translate));
    const auto* done = find(events, "response.completed");
    ASSERT_NE(done, nullptr);
    const auto& output = done->data.at("response").at("output").as_array();
    ASSERT_EQ(output.size(), 2u);
    EXPECT_EQ(output[0].at("type"), "reasoning");
    EXPECT_EQ(output[0].at("summary").as_array()[0].at("text"), "Let me think.");
    EXPECT_EQ(output[1].at("content").as_array()[0].at("text"), "Answer: 4");
  }
}

}  // namespace
}  // namespace spillway::dialect
