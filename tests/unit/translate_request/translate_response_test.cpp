#include "dialect/translate_response.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

json::object o_to_a(std::string_view body) {
  auto r = parse_openai_response(json::parse(body));
  EXPECT_TRUE(std::holds_alternative<core::Response>(r));
  return json::parse(emit_anthropic_response(std::get<core::Response>(r), "claude-sonnet-4-5")).as_object();
}

json::object a_to_o(std::string_view body) {
  auto r = parse_anthropic_response(json::parse(body));
  EXPECT_TRUE(std::holds_alternative<core::Response>(r));
  return json::parse(emit_openai_response(std::get<core::Response>(r), "gpt-4.1")).as_object();
}

// ---- 3.2 O -> A --------------------------------------------------------------------------

TEST(ResponseOToA, ToolCallsUsageAndEnvelope) {
  auto a = o_to_a(R"({"id":"chatcmpl-abc","object":"chat.completion","created":1,"model":"qwen3",
    "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Reading.",
      "reasoning_content":"think first",
      "tool_calls":[{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.cpp\"}"}},
                    {"id":"bad id!","type":"function","function":{"name":"ls","arguments":""}}]}}],
    "usage":{"prompt_tokens":120,"completion_tokens":18,"total_tokens":138,
             "prompt_tokens_details":{"cached_tokens":64,"cache_write_tokens":6}}})");
  EXPECT_TRUE(a["id"].as_string().starts_with("msg_"));
  EXPECT_EQ(a["type"], "message");
  EXPECT_EQ(a["role"], "assistant");
  EXPECT_EQ(a["model"], "claude-sonnet-4-5");
  auto& c = a["content"].as_array();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].at("type"), "thinking");
  EXPECT_EQ(c[0].at("thinking"), "think first");
  EXPECT_EQ(c[0].at("signature"), "");
  EXPECT_EQ(c[1].at("text"), "Reading.");
  EXPECT_EQ(c[2].at("id"), "call_1");
  EXPECT_EQ(c[2].at("input"), json::parse(R"({"path":"a.cpp"})"));
  EXPECT_TRUE(c[3].at("id").as_string().starts_with("toolu_"));
  EXPECT_EQ(c[3].at("input"), json::object());
  EXPECT_EQ(a["stop_reason"], "tool_use");  // forced: calls present despite "stop"
  EXPECT_TRUE(a["stop_sequence"].is_null());
  auto& u = a["usage"].as_object();
  EXPECT_EQ(u.at("input_tokens"), 50);
  EXPECT_EQ(u.at("cache_read_input_tokens"), 64);
  EXPECT_EQ(u.at("cache_creation_input_tokens"), 6);
  EXPECT_EQ(u.at("output_tokens"), 18);
}

TEST(ResponseOToA, FinishReasons) {
  auto stop = [](std::string finish) {
    return o_to_a(R"({"id":"x","choices":[{"finish_reason":")" + finish +
                  R"(","message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})")["stop_reason"];
  };
  EXPECT_EQ(stop("stop"), "end_turn");
  EXPECT_EQ(stop("length"), "max_tokens");
  EXPECT_EQ(stop("tool_calls"), "tool_use");
  EXPECT_EQ(stop("function_call"), "tool_use");
  EXPECT_EQ(stop("content_filter"), "refusal");
}

TEST(ResponseOToA, EmptyContentNoTextBlockAndNegativeInputClamped) {
  auto a = o_to_a(R"({"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":""}}],
    "usage":{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":20}}})");
  EXPECT_TRUE(a["content"].as_array().empty());
  EXPECT_EQ(a["usage"].at("input_tokens"), 0);
}

TEST(ResponseOToA, MissingChoicesIsBadGateway) {
  auto r = parse_openai_response(json::parse(R"({"id":"x","choices":[]})"));
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).kind, ErrorKind::bad_gateway);
}

// ---- 3.5 A -> O --------------------------------------------------------------------------

TEST(ResponseAToO, TextToolsUsageEnvelope) {
  auto o = a_to_o(R"({"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-5",
    "content":[{"type":"thinking","thinking":"plan","signature":"s"},{"type":"text","text":"Part one, "},
               {"type":"text","text":"part two."},
               {"type":"tool_use","id":"toolu_1","name":"read_file","input":{"path":"m.cpp"}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":12,"output_tokens":6,"cache_creation_input_tokens":100,"cache_read_input_tokens":2048}})");
  EXPECT_TRUE(o["id"].as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(o["object"], "chat.completion");
  EXPECT_GT(o["created"].as_int64(), 1700000000);
  EXPECT_EQ(o["model"], "gpt-4.1");
  auto& ch = o["choices"].as_array()[0].as_object();
  EXPECT_EQ(ch.at("finish_reason"), "tool_calls");
  auto& m = ch.at("message").as_object();
  EXPECT_EQ(m.at("content"), "Part one, part two.");
  EXPECT_EQ(m.at("reasoning_content"), "plan");
  auto& call = m.at("tool_calls").as_array()[0];
  EXPECT_EQ(call.at("id"), "toolu_1");
  EXPECT_EQ(call.at("function").at("arguments"), R"({"path":"m.cpp"})");
  auto& u = o["usage"].as_object();
  EXPECT_EQ(u.at("prompt_tokens"), 2160);
  EXPECT_EQ(u.at("completion_tokens"), 6);
  EXPECT_EQ(u.at("total_tokens"), 2166);
  EXPECT_EQ(u.at("prompt_tokens_details").at("cached_tokens"), 2048);
}

TEST(ResponseAToO, NullContentWhenOnlyToolCalls) {
  auto o = a_to_o(R"({"id":"msg_1","content":[{"type":"tool_use","id":"t","name":"n","input":{}}],
    "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}})");
  EXPECT_TRUE(o["choices"].as_array()[0].at("message").at("content").is_null());
}

TEST(ResponseAToO, StopReasons) {
  auto finish = [](std::string stop) {
    return a_to_o(R"({"id":"msg_1","content":[{"type":"text","text":"x"}],"stop_reason":")" + stop +
                  R"(","usage":{"input_tokens":1,"output_tokens":1}})")["choices"].as_array()[0].at("finish_reason");
  };
  EXPECT_EQ(finish("end_turn"), "stop");
  EXPECT_EQ(finish("stop_sequence"), "stop");
  EXPECT_EQ(finish("max_tokens"), "length");
  EXPECT_EQ(finish("tool_use"), "tool_calls");
  EXPECT_EQ(finish("refusal"), "content_filter");
  EXPECT_EQ(finish("model_context_window_exceeded"), "length");
  EXPECT_EQ(finish("pause_turn"), "stop");
}

TEST(ResponseRoundTrip, AnthropicThroughCoreKeepsMeaning) {
  std::string_view body = R"({"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-5",
    "content":[{"type":"thinking","thinking":"t","signature":"sig"},{"type":"text","text":"Done."},
               {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,2]}}],
    "stop_reason":"stop_sequence","stop_sequence":"END",
    "usage":{"input_tokens":12,"output_tokens":6,"cache_creation_input_tokens":3,"cache_read_input_tokens":2048}})";
  json::value in = json::parse(body);
  auto out = json::parse(emit_anthropic_response(std::get<core::Response>(parse_anthropic_response(in)),
                                                 "claude-sonnet-4-5")).as_object();
  EXPECT_EQ(out["id"], "msg_01XYZ");
  EXPECT_EQ(out["content"], in.at("content"));
  EXPECT_EQ(out["stop_reason"], "stop_sequence");
  EXPECT_EQ(out["stop_sequence"], "END");
  EXPECT_EQ(out["usage"], in.at("usage"));
}

// ---- errors ------------------------------------------------------------------------------

TEST(ErrorBody, OpenAIRateLimitToAnthropicKeepsMessage) {
  auto a = json::parse(translate_error_body(Dialect::openai, Dialect::anthropic, 429,
      R"({"error":{"message":"Rate limit reached. Please try again in 20s.","type":"requests","code":"rate_limit_exceeded"}})")).as_object();
  EXPECT_EQ(a["type"], "error");
  EXPECT_EQ(a["error"].at("type"), "rate_limit_error");
  EXPECT_EQ(a["error"].at("message"), "Rate limit reached. Please try again in 20s.");
}

TEST(ErrorBody, OpenAIContextOverflowUsesAnthropicWording) {
  auto a = json::parse(translate_error_body(Dialect::openai, Dialect::anthropic, 400,
      R"({"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})")).as_object();
  EXPECT_EQ(a["error"].at("type"), "invalid_request_error");
  EXPECT_EQ(a["error"].at("message"), "prompt is too long: 130512 tokens > 128000 maximum");
}

TEST(ErrorBody, OpenAI503IsOverloaded) {
  auto a = json::parse(translate_error_body(Dialect::openai, Dialect::anthropic, 503,
      R"({"error":{"message":"busy","type":"server_error"}})")).as_object();
  EXPECT_EQ(a["error"].at("type"), "overloaded_error");
  EXPECT_EQ(a["error"].at("message"), "busy");
}

TEST(ErrorBody, AnthropicOverloadedToOpenAI) {
  auto o = json::parse(translate_error_body(Dialect::anthropic, Dialect::openai, 529,
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})")).as_object();
  EXPECT_EQ(o["error"].at("message"), "Overloaded");
  EXPECT_EQ(o["error"].at("type"), "server_error");
  EXPECT_FALSE(o.contains("type"));
}

TEST(ErrorBody, AnthropicAuthToOpenAIHasCode) {
  auto o = json::parse(translate_error_body(Dialect::anthropic, Dialect::openai, 401,
      R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})")).as_object();
  EXPECT_EQ(o["error"].at("message"), "invalid x-api-key");
  EXPECT_EQ(o["error"].at("code"), "invalid_api_key");
}

TEST(ErrorBody, NonJsonBodyKeptAsMessage) {
  auto a = json::parse(translate_error_body(Dialect::openai, Dialect::anthropic, 502, "upstream connect error")).as_object();
  EXPECT_EQ(a["error"].at("message"), "upstream connect error");
  EXPECT_EQ(a["error"].at("type"), "api_error");
}

}  // namespace
}  // namespace spillway::dialect
