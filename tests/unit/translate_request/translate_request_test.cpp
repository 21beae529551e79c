#include "dialect/translate_request.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

core::Request parse_a(std::string_view body) {
  auto r = parse_anthropic_request(json::parse(body));
  if (auto* e = std::get_if<ApiError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->message;
    return {};
  }
  return std::get<core::Request>(r);
}

core::Request parse_o(std::string_view body) {
  auto r = parse_openai_request(json::parse(body));
  if (auto* e = std::get_if<ApiError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->message;
    return {};
  }
  return std::get<core::Request>(r);
}

// A -> O, output parsed back for field checks.
json::object a_to_o(std::string_view body) {
  return json::parse(emit_openai_request(parse_a(body), "qwen3-coder")).as_object();
}

json::object o_to_a(std::string_view body) {
  return json::parse(emit_anthropic_request(parse_o(body), "claude-sonnet-4-5")).as_object();
}

// ---- 3.1 A -> O --------------------------------------------------------------------------

TEST(RequestAToO, SystemStringBecomesLeadingSystemMessage) {
  auto o = a_to_o(R"({"model":"claude-sonnet-4-5","max_tokens":100,"system":"You are terse.",
    "messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(o["model"], "qwen3-coder");
  auto& msgs = o["messages"].as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].at("role"), "system");
  EXPECT_EQ(msgs[0].at("content"), "You are terse.");
  EXPECT_EQ(msgs[1].at("role"), "user");
  EXPECT_EQ(msgs[1].at("content"), "hi");
}

TEST(RequestAToO, SystemBlocksJoinedAndCacheControlDropped) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,
    "system":[{"type":"text","text":"x-anthropic-billing-header: cc"},
              {"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
    "messages":[{"role":"user","content":[{"type":"text","text":"go","cache_control":{"type":"ephemeral"}}]}]})");
  auto& msgs = o["messages"].as_array();
  EXPECT_EQ(msgs[0].at("content"), "x-anthropic-billing-header: cc\n\nYou are Claude Code.");
  EXPECT_EQ(msgs[1].at("content"), "go");
  EXPECT_EQ(json::serialize(o).find("cache_control"), std::string::npos);
}

TEST(RequestAToO, MidConversationSystemMergedIntoLeading) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"system":"A",
    "messages":[{"role":"user","content":"hi"},{"role":"system","content":"B"},
                {"role":"user","content":"again"}]})");
  auto& msgs = o["messages"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].at("content"), "A\n\nB");
  EXPECT_EQ(msgs[1].at("role"), "user");
  EXPECT_EQ(msgs[2].at("role"), "user");
}

TEST(RequestAToO, UserTextAndImagesBecomeParts) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"messages":[{"role":"user","content":[
    {"type":"text","text":"what is this"},{"type":"text","text":""},
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}},
    {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}]})");
  auto& parts = o["messages"].as_array()[0].at("content").as_array();
  ASSERT_EQ(parts.size(), 3u);  // the empty text is skipped
  EXPECT_EQ(parts[0].at("type"), "text");
  EXPECT_EQ(parts[0].at("text"), "what is this");
  EXPECT_EQ(parts[1].at("image_url").at("url"), "data:image/png;base64,iVBORw0K");
  EXPECT_EQ(parts[2].at("image_url").at("url"), "https://example.com/a.jpg");
}

TEST(RequestAToO, AssistantToolUseBecomesToolCallsAndThinkingDropped) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"messages":[
    {"role":"user","content":"Show main.cpp"},
    {"role":"assistant","content":[
      {"type":"thinking","thinking":"need to read","signature":"sig"},
      {"type":"tool_use","id":"toolu_01A","name":"read_file","input":{"path":"main.cpp"}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"int main(){}"}]}]})");
  auto& msgs = o["messages"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  auto& a = msgs[1].as_object();
  EXPECT_EQ(a.at("role"), "assistant");
  EXPECT_EQ(a.at("content"), "");
  auto& call = a.at("tool_calls").as_array()[0];
  EXPECT_EQ(call.at("id"), "toolu_01A");
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "read_file");
  EXPECT_EQ(json::parse(call.at("function").at("arguments").as_string()),
            json::parse(R"({"path":"main.cpp"})"));
  EXPECT_EQ(json::serialize(o).find("need to read"), std::string::npos);
  EXPECT_EQ(msgs[2].at("role"), "tool");
  EXPECT_EQ(msgs[2].at("tool_call_id"), "toolu_01A");
  EXPECT_EQ(msgs[2].at("content"), "int main(){}");
}

TEST(RequestAToO, AssistantTextBlocksConcatenated) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":[{"type":"text","text":"Hello "},{"type":"text","text":"world"}]}]})");
  EXPECT_EQ(o["messages"].as_array()[1].at("content"), "Hello world");
}

TEST(RequestAToO, ToolResultsFirstErrorPrefixedImagesAndTextFollow) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"messages":[
    {"role":"user","content":"run both"},
    {"role":"assistant","content":[
      {"type":"tool_use","id":"t1","name":"a","input":{}},{"type":"tool_use","id":"t2","name":"b","input":{}}]},
    {"role":"user","content":[
      {"type":"text","text":"here you go"},
      {"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"boom"}]},
      {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"l1"},{"type":"text","text":"l2"},
        {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAA"}}]},
      {"type":"tool_result","tool_use_id":"t3"}]}]})");
  auto& msgs = o["messages"].as_array();
  ASSERT_EQ(msgs.size(), 6u);
  EXPECT_EQ(msgs[2].at("role"), "tool");
  EXPECT_EQ(msgs[2].at("tool_call_id"), "t1");
  EXPECT_EQ(msgs[2].at("content"), "[tool error] boom");
  EXPECT_EQ(msgs[3].at("tool_call_id"), "t2");
  EXPECT_EQ(msgs[3].at("content"), "l1\nl2");
  EXPECT_EQ(msgs[4].at("tool_call_id"), "t3");
  EXPECT_EQ(msgs[4].at("content"), "");
  EXPECT_EQ(msgs[5].at("role"), "user");
  auto& parts = msgs[5].at("content").as_array();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].at("image_url").at("url"), "data:image/jpeg;base64,AAA");
  EXPECT_EQ(parts[1].at("text"), "here you go");
}

TEST(RequestAToO, ToolsChoiceAndParallel) {
  auto o = a_to_o(R"({"model":"m","max_tokens":100,"messages":[{"role":"user","content":"x"}],
    "tools":[{"name":"read_file","description":"Read a file","cache_control":{"type":"ephemeral"},
              "defer_loading":true,"strict":true,
              "input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}],
    "tool_choice":{"type":"tool","name":"read_file","disable_parallel_tool_use":true}})");
  auto& fn = o["tools"].as_array()[0].at("function").as_object();
  EXPECT_EQ(o["tools"].as_array()[0].at("type"), "function");
  EXPECT_EQ(fn.at("name"), "read_file");
  EXPECT_EQ(fn.at("description"), "Read a file");
  EXPECT_EQ(fn.at("strict"), true);
  EXPECT_EQ(fn.at("parameters").at("required").as_array()[0], "path");
  EXPECT_FALSE(fn.contains("defer_loading"));
  EXPECT_EQ(o["tool_choice"].at("function").at("name"), "read_file");
  EXPECT_EQ(o["parallel_tool_calls"], false);
}

TEST(RequestAToO, ToolChoiceKinds) {
  auto choice = [](std::string tc) {
    auto o = a_to_o(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],
      "tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":)" + tc + "}");
    return o["tool_choice"];
  };
  EXPECT_EQ(choice(R"({"type":"auto"})"), "auto");
  EXPECT_EQ(choice(R"({"type":"any"})"), "required");
  EXPECT_EQ(choice(R"({"type":"none"})"), "none");
}

TEST(RequestAToO, ServerToolsRefused) {
  auto r = parse_anthropic_request(json::parse(R"({"model":"m","max_tokens":1,
    "messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"web_search_20250305","name":"web_search"}]})"));
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  EXPECT_EQ(std::get<ApiError>(r).kind, ErrorKind::invalid_request);
}

TEST(RequestAToO, PdfDocumentRefusedTextDocumentKept) {
  auto r = parse_anthropic_request(json::parse(R"({"model":"m","max_tokens":1,"messages":[{"role":"user",
    "content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}]})"));
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  auto o = a_to_o(R"({"model":"m","max_tokens":1,"messages":[{"role":"user",
    "content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"notes"}}]}]})");
  EXPECT_EQ(o["messages"].as_array()[0].at("content"), "notes");
}

TEST(RequestAToO, SamplingStopStreamAndUser) {
  auto o = a_to_o(R"({"model":"m","max_tokens":2048,"temperature":0.2,"top_p":0.9,"top_k":40,
    "stop_sequences":["END"],"stream":true,"metadata":{"user_id":"u-42"},"future_field":{"x":1},
    "messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(o["max_tokens"], 2048);
  EXPECT_FALSE(o.contains("max_completion_tokens"));
  EXPECT_DOUBLE_EQ(o["temperature"].as_double(), 0.2);
  EXPECT_DOUBLE_EQ(o["top_p"].as_double(), 0.9);
  EXPECT_EQ(o["top_k"], 40);  // local servers take it (3.1)
  EXPECT_FALSE(o.contains("future_field"));
  EXPECT_EQ(o["stop"].as_array()[0], "END");
  EXPECT_EQ(o["stream"], true);
  EXPECT_EQ(o["stream_options"].at("include_usage"), true);
  EXPECT_EQ(o["user"], "u-42");
}

TEST(RequestAToO, NoStreamOptionsWhenNotStreaming) {
  auto o = a_to_o(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(o.contains("stream"));
  EXPECT_FALSE(o.contains("stream_options"));
}

TEST(RequestAToO, MalformedInputIsInvalidRequest) {
  for (const char* body : {R"([1,2])", R"({"model":"m"})", R"({"model":"m","messages":[{"role":"tool","content":"x"}]})",
                           R"({"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]})"}) {
    auto r = parse_anthropic_request(json::parse(body));
    ASSERT_TRUE(std::holds_alternative<ApiError>(r)) << body;
    EXPECT_EQ(std::get<ApiError>(r).status, 400) << body;
  }
}

// ---- 3.4 O -> A --------------------------------------------------------------------------

TEST(RequestOToA, SystemAndDeveloperHoisted) {
  auto a = o_to_a(R"({"model":"gpt-4.1","messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":"hi"},{"role":"developer","content":[{"type":"text","text":"No emoji."}]}]})");
  EXPECT_EQ(a["model"], "claude-sonnet-4-5");
  EXPECT_EQ(a["system"], "Be brief.\nNo emoji.");
  auto& msgs = a["messages"].as_array();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].at("content").as_array()[0].at("text"), "hi");
}

TEST(RequestOToA, ImagesFromDataAndHttpUrls) {
  auto a = o_to_a(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"see"},
    {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGR","detail":"high"}},
    {"type":"image_url","image_url":{"url":"https://example.com/x.png"}}]}]})");
  auto& c = a["messages"].as_array()[0].at("content").as_array();
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].at("source").at("type"), "base64");
  EXPECT_EQ(c[1].at("source").at("media_type"), "image/webp");
  EXPECT_EQ(c[1].at("source").at("data"), "UklGR");
  EXPECT_EQ(c[2].at("source").at("type"), "url");
  EXPECT_EQ(c[2].at("source").at("url"), "https://example.com/x.png");
}

TEST(RequestOToA, ToolCallsAndConsecutiveToolMessagesMerged) {
  auto a = o_to_a(R"({"model":"m","messages":[
    {"role":"user","content":"read both"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.cpp\"}"}},
      {"id":"call_2","type":"function","function":{"name":"read_file","arguments":"not json"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"A"},
    {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"B"}]},
    {"role":"user","content":"now compare"}]})");
  auto& msgs = a["messages"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  auto& calls = msgs[1].at("content").as_array();
  ASSERT_EQ(calls.size(), 2u);  // null content: no empty text block
  EXPECT_EQ(calls[0].at("type"), "tool_use");
  EXPECT_EQ(calls[0].at("id"), "call_1");
  EXPECT_EQ(calls[0].at("input"), json::parse(R"({"path":"a.cpp"})"));
  EXPECT_EQ(calls[1].at("input"), json::object());
  auto& results = msgs[2].at("content").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(msgs[2].at("role"), "user");
  EXPECT_EQ(results[0].at("type"), "tool_result");
  EXPECT_EQ(results[0].at("tool_use_id"), "call_1");
  EXPECT_EQ(results[0].at("content").as_array()[0].at("text"), "A");
  EXPECT_EQ(results[1].at("tool_use_id"), "call_2");
  EXPECT_EQ(results[2].at("type"), "text");
  EXPECT_EQ(results[2].at("text"), "now compare");
}

TEST(RequestOToA, FirstMessageUserAndRolesAlternate) {
  auto a = o_to_a(R"({"model":"m","messages":[{"role":"assistant","content":"Hi, how can I help?"},
    {"role":"user","content":"one"},{"role":"user","content":"two"},
    {"role":"assistant","content":"Sure thing.  \n"}]})");
  auto& msgs = a["messages"].as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].at("role"), "user");
  EXPECT_FALSE(msgs[0].at("content").as_array()[0].at("text").as_string().empty());
  EXPECT_EQ(msgs[1].at("role"), "assistant");
  EXPECT_EQ(msgs[2].at("role"), "user");
  EXPECT_EQ(msgs[2].at("content").as_array().size(), 2u);
  EXPECT_EQ(msgs[3].at("content").as_array()[0].at("text"), "Sure thing.");  // trailing ws trimmed
}

TEST(RequestOToA, ToolsAndChoices) {
  auto a = o_to_a(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"function","function":{"name":"ls","description":"List"}},
             {"type":"function","function":{"name":"cat","parameters":{"type":"object","properties":{"f":{"type":"string"}}}}}],
    "tool_choice":"required","parallel_tool_calls":false})");
  auto& tools = a["tools"].as_array();
  EXPECT_EQ(tools[0].at("name"), "ls");
  EXPECT_EQ(tools[0].at("description"), "List");
  EXPECT_EQ(tools[0].at("input_schema"), json::parse(R"({"type":"object"})"));
  EXPECT_TRUE(tools[1].at("input_schema").at("properties").as_object().contains("f"));
  EXPECT_EQ(a["tool_choice"].at("type"), "any");
  EXPECT_EQ(a["tool_choice"].at("disable_parallel_tool_use"), true);
  auto choice = [](std::string tc) {
    return o_to_a(R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"function","function":{"name":"ls"}}],"tool_choice":)" + tc + "}")["tool_choice"];
  };
  EXPECT_EQ(choice(R"("auto")").at("type"), "auto");
  EXPECT_EQ(choice(R"("none")").at("type"), "none");
  auto named = choice(R"({"type":"function","function":{"name":"ls"}})");
  EXPECT_EQ(named.at("type"), "tool");
  EXPECT_EQ(named.at("name"), "ls");
}

TEST(RequestOToA, MaxTokensStopTemperature) {
  auto a = o_to_a(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "max_completion_tokens":777,"max_tokens":5,"stop":["END"," \n","STOP"],"temperature":1.7,
    "top_p":0.5,"seed":7,"logprobs":true,"frequency_penalty":0.1,"stream":true,"user":"u1"})");
  EXPECT_EQ(a["max_tokens"], 777);
  auto& stops = a["stop_sequences"].as_array();
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops[0], "END");
  EXPECT_EQ(stops[1], "STOP");
  EXPECT_DOUBLE_EQ(a["temperature"].as_double(), 1.0);
  EXPECT_DOUBLE_EQ(a["top_p"].as_double(), 0.5);
  EXPECT_FALSE(a.contains("seed"));
  EXPECT_FALSE(a.contains("logprobs"));
  EXPECT_EQ(a["stream"], true);
  EXPECT_FALSE(a.contains("stream_options"));
  EXPECT_EQ(a["metadata"].at("user_id"), "u1");

  auto s = o_to_a(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":"END","max_tokens":9})");
  EXPECT_EQ(s["max_tokens"], 9);
  EXPECT_EQ(s["stop_sequences"].as_array()[0], "END");
}

TEST(RequestOToA, MaxTokensDefaults) {
  auto a = o_to_a(R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(a["max_tokens"], 4096);
}

TEST(RequestOToA, UntranslatableRefused) {
  for (const char* body : {
           R"({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]})",
           R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})",
           R"({"model":"m","messages":[{"role":"function","content":"x"}]})",
           R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"custom","custom":{"name":"x"}}]})"}) {
    auto r = parse_openai_request(json::parse(body));
    ASSERT_TRUE(std::holds_alternative<ApiError>(r)) << body;
    EXPECT_EQ(std::get<ApiError>(r).kind, ErrorKind::invalid_request) << body;
    EXPECT_EQ(std::get<ApiError>(r).status, 400) << body;
  }
}

// ---- round trips -------------------------------------------------------------------------

TEST(RequestRoundTrip, AnthropicThroughCoreKeepsMeaning) {
  std::string_view body = R"({"model":"claude-sonnet-4-5","max_tokens":1024,"system":"S","stream":true,
    "tools":[{"name":"read_file","description":"Read","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"auto"},"stop_sequences":["X"],"temperature":0.5,
    "messages":[{"role":"user","content":[{"type":"text","text":"Show main.cpp"}]},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"SIG"},
        {"type":"text","text":"Reading it."},
        {"type":"tool_use","id":"toolu_01A","name":"read_file","input":{"path":"main.cpp"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":[{"type":"text","text":"int main(){}"}],"is_error":true}]}]})";
  json::value in = json::parse(body);
  json::object out = json::parse(emit_anthropic_request(parse_a(body), "claude-sonnet-4-5")).as_object();
  EXPECT_EQ(out["messages"], in.at("messages"));
  EXPECT_EQ(out["tools"], in.at("tools"));
  EXPECT_EQ(out["tool_choice"], in.at("tool_choice"));
  EXPECT_EQ(out["system"], "S");
  EXPECT_EQ(out["max_tokens"], 1024);
  EXPECT_EQ(out["stop_sequences"], in.at("stop_sequences"));
  EXPECT_EQ(out["stream"], true);
}

TEST(RequestRoundTrip, OpenAIThroughCoreKeepsMeaning) {
  std::string_view body = R"({"model":"gpt","messages":[{"role":"system","content":"S"},
    {"role":"user","content":"q"},
    {"role":"assistant","content":"ok","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"r"}],"max_tokens":50,"tool_choice":"required",
    "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]})";
  json::object out = json::parse(emit_openai_request(parse_o(body), "gpt")).as_object();
  json::value in = json::parse(body);
  EXPECT_EQ(out["messages"], in.at("messages"));
  EXPECT_EQ(out["tools"], in.at("tools"));
  EXPECT_EQ(out["tool_choice"], "required");
  EXPECT_EQ(out["max_tokens"], 50);
}

TEST(RequestRoundTrip, SyntheticThinkingNeverSentToAnthropic) {
  core::Request req;
  core::Block think;
  think.type = core::BlockType::thinking;
  think.text = "local reasoning";
  core::Block text;
  text.text = "answer";
  req.messages.push_back(core::Message{core::Role::user, {text}});
  req.messages.push_back(core::Message{core::Role::assistant, {think, text}});
  auto out = json::parse(emit_anthropic_request(req, "m")).as_object();
  EXPECT_EQ(json::serialize(out).find("local reasoning"), std::string::npos);
  EXPECT_EQ(out["messages"].as_array()[1].at("content").as_array().size(), 1u);
}

}  // namespace
}  // namespace spillway::dialect
