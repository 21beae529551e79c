// Responses (Codex) requests into the core form and on to Messages and Chat Completions
// (PROTOCOLS.md 2.6, 3.7), and whole answers back as Responses objects.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dialect/responses_response.hpp"
#include "dialect/translate_request.hpp"
#include "dialect/translate_response.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;

core::Request parse_ok(std::string_view body) {
  auto parsed = parse_responses_request(json::parse(body));
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    ADD_FAILURE() << "refused: " << e->message;
    return {};
  }
  return std::get<core::Request>(parsed);
}

ApiError parse_error(std::string_view body) {
  auto parsed = parse_responses_request(json::parse(body));
  EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << body;
  return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

json::object translated(std::string_view body, Dialect upstream) {
  auto t = translate_request(Dialect::responses, upstream, json::parse(body), "up-model");
  if (auto* e = std::get_if<ApiError>(&t)) {
    ADD_FAILURE() << "refused: " << e->message;
    return {};
  }
  return json::parse(std::get<RequestTranslation>(t).body).as_object();
}

TEST(ResponsesRequest, StringInputAndInstructions) {
  auto req = parse_ok(R"({"model":"m","instructions":"Be brief.","input":"hello","max_output_tokens":300,
                          "temperature":0.5,"stream":true})");
  ASSERT_EQ(req.system.size(), 1u);
  EXPECT_EQ(req.system[0], "Be brief.");
  ASSERT_EQ(req.messages.size(), 1u);
  EXPECT_EQ(req.messages[0].role, core::Role::user);
  EXPECT_EQ(req.messages[0].content[0].text, "hello");
  EXPECT_EQ(req.max_tokens, 300);
  EXPECT_EQ(req.temperature, 0.5);
  EXPECT_TRUE(req.stream);
  EXPECT_TRUE(req.dropped.empty());
}

TEST(ResponsesRequest, ItemsBecomeTurnsWithToolCallsGrouped) {
  // Codex's history: developer text, the user's ask, two calls in one turn, their outputs.
  auto req = parse_ok(R"({"model":"m","input":[
    {"type":"message","role":"developer","content":[{"type":"input_text","text":"You are Codex."}]},
    {"type":"message","role":"user","content":[{"type":"input_text","text":"fix it"}]},
    {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"opaque"},
    {"type":"function_call","call_id":"call_1","name":"exec_command","arguments":"{\"cmd\":\"ls\"}"},
    {"type":"function_call","call_id":"call_2","name":"exec_command","arguments":""},
    {"type":"function_call_output","call_id":"call_1","output":"a.cpp"},
    {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"b.cpp"}]},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Both listed.","annotations":[]}]}
  ]})");
  ASSERT_EQ(req.system.size(), 1u);
  EXPECT_EQ(req.system[0], "You are Codex.");
  ASSERT_EQ(req.messages.size(), 4u);
  EXPECT_EQ(req.messages[0].role, core::Role::user);
  const auto& calls = req.messages[1];
  EXPECT_EQ(calls.role, core::Role::assistant);
  ASSERT_EQ(calls.content.size(), 2u);
  EXPECT_EQ(calls.content[0].id, "call_1");
  EXPECT_EQ(calls.content[0].input.at("cmd"), "ls");
  EXPECT_TRUE(calls.content[1].input.as_object().empty()) << "empty arguments become {}";
  const auto& results = req.messages[2];
  EXPECT_EQ(results.role, core::Role::user);
  ASSERT_EQ(results.content.size(), 2u);
  EXPECT_EQ(results.content[0].tool_use_id, "call_1");
  EXPECT_EQ(results.content[0].content[0].text, "a.cpp");
  EXPECT_EQ(results.content[1].content[0].text, "b.cpp");
  EXPECT_EQ(req.messages[3].role, core::Role::assistant);
  EXPECT_EQ(req.dropped, std::vector<std::string>{"reasoning items"});
}

TEST(ResponsesRequest, ToolsToolChoiceAndCustomTools) {
  const auto body = R"({"model":"m","input":"go","parallel_tool_calls":false,
    "tool_choice":{"type":"function","name":"read"},
    "tools":[{"type":"function","name":"read","description":"Read a file","strict":true,
              "parameters":{"type":"object","properties":{"path":{"type":"string"}}}},
             {"type":"custom","name":"apply_patch","description":"Patch files",
              "format":{"type":"grammar","syntax":"lark","definition":"start: /.+/"}},
             {"type":"web_search"}]})";
  auto req = parse_ok(body);
  ASSERT_EQ(req.tools.size(), 2u);
  EXPECT_EQ(req.tools[0].name, "read");
  EXPECT_EQ(req.tools[0].strict, true);
  EXPECT_FALSE(req.tools[0].custom);
  EXPECT_TRUE(req.tools[1].custom);
  EXPECT_EQ(req.tools[1].input_schema.at("required").as_array()[0], "input");
  EXPECT_NE(req.tools[1].description.find("start: /.+/"), std::string::npos) << "the grammar goes to the model";
  ASSERT_TRUE(req.tool_choice);
  EXPECT_EQ(req.tool_choice->type, core::ToolChoiceType::named);
  EXPECT_EQ(req.tool_choice->name, "read");
  EXPECT_TRUE(req.disable_parallel_tool_use);
  EXPECT_EQ(req.dropped, std::vector<std::string>{"tools.web_search"});

  auto t = translate_request(Dialect::responses, Dialect::anthropic, json::parse(body), "claude");
  ASSERT_TRUE(std::holds_alternative<RequestTranslation>(t));
  EXPECT_EQ(std::get<RequestTranslation>(t).custom_tools, std::vector<std::string>{"apply_patch"});
}

TEST(ResponsesRequest, CustomToolCallsTravelWrapped) {
  auto req = parse_ok(R"({"model":"m","input":[
    {"type":"custom_tool_call","call_id":"c1","name":"apply_patch","input":"*** Begin Patch"},
    {"type":"custom_tool_call_output","call_id":"c1","output":"Done"}]})");
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].content[0].input.at("input"), "*** Begin Patch");
  EXPECT_EQ(req.messages[1].content[0].content[0].text, "Done");
}

TEST(ResponsesRequest, ReasoningEffortAndStructuredOutput) {
  auto with_effort = parse_ok(R"({"model":"m","input":"x","reasoning":{"effort":"high","summary":"auto"},
    "text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object"}},"verbosity":"low"}})");
  ASSERT_TRUE(with_effort.thinking);
  EXPECT_EQ(with_effort.thinking->budget_tokens, 16384);
  ASSERT_TRUE(with_effort.output_schema);
  EXPECT_EQ(with_effort.output_schema->name, "answer");
  EXPECT_EQ(with_effort.dropped, std::vector<std::string>{"text.verbosity"});
  // Codex sends only a summary setting: the model's default reasoning stays.
  EXPECT_FALSE(parse_ok(R"({"model":"m","input":"x","reasoning":{"summary":"auto"}})").thinking);
  EXPECT_EQ(parse_ok(R"({"model":"m","input":"x","reasoning":{"effort":"none"}})").thinking->type,
            core::ThinkingType::disabled);
  EXPECT_NE(parse_error(R"({"model":"m","input":"x","reasoning":{"effort":"huge"}})").message.find("huge"),
            std::string::npos);
}

TEST(ResponsesRequest, StatefulFeaturesAreRefusedWithTheReason) {
  auto e = parse_error(R"({"model":"m","input":"x","previous_response_id":"resp_1"})");
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("previous_response_id"), std::string::npos);
  EXPECT_NE(e.message.find("does not keep"), std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})").message.find("item_reference"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":"x","background":true})").message.find("background"), std::string::npos);
  // store is accepted and ignored: nothing is stored, so nothing can be referred to later.
  EXPECT_TRUE(parse_ok(R"({"model":"m","input":"x","store":true})").dropped.empty());
}

TEST(ResponsesRequest, MalformedInputIsAClearError) {
  EXPECT_NE(parse_error(R"({"model":"m"})").message.find("input is required"), std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":42})").message.find("input must be"), std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":[{"type":"function_call","name":"x"}]})").message.find("call_id"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":[{"role":"tool","content":"x"}]})").message.find("role"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})")
                .message.find("input_file"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"model":"m","input":"x","text":{"format":{"type":"json_object"}}})").message.find("json_schema"),
            std::string::npos);
}

TEST(ResponsesRequest, ImagesFromDataUrlsAndUrls) {
  auto req = parse_ok(R"({"model":"m","input":[{"role":"user","content":[
    {"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="},
    {"type":"input_image","image_url":"https://example.com/a.png"}]}]})");
  const auto& c = req.messages[0].content;
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].media_type, "image/png");
  EXPECT_EQ(c[0].data, "iVBORw0KGgo=");
  EXPECT_EQ(c[1].url, "https://example.com/a.png");
}

TEST(ResponsesRequest, ToBothUpstreamDialects) {
  const auto body = R"({"model":"gpt-5","instructions":"sys","input":[
    {"role":"user","content":"list files"},
    {"type":"function_call","call_id":"call_1","name":"ls","arguments":"{}"},
    {"type":"function_call_output","call_id":"call_1","output":"a.cpp"}],
    "tools":[{"type":"function","name":"ls","parameters":{"type":"object"}}],"max_output_tokens":100})";
  auto a = translated(body, Dialect::anthropic);
  EXPECT_EQ(a.at("model"), "up-model");
  EXPECT_EQ(a.at("max_tokens"), 100);
  EXPECT_EQ(a.at("system"), "sys");
  const auto& am = a.at("messages").as_array();
  ASSERT_EQ(am.size(), 3u);
  EXPECT_EQ(am[1].at("content").as_array()[0].at("type"), "tool_use");
  EXPECT_EQ(am[2].at("content").as_array()[0].at("type"), "tool_result");
  EXPECT_EQ(am[2].at("content").as_array()[0].at("tool_use_id"), "call_1");

  auto o = translated(body, Dialect::openai);
  const auto& om = o.at("messages").as_array();
  ASSERT_EQ(om.size(), 4u);
  EXPECT_EQ(om[0].at("role"), "system");
  EXPECT_EQ(om[2].at("tool_calls").as_array()[0].at("id"), "call_1");
  EXPECT_EQ(om[3].at("role"), "tool");
  EXPECT_EQ(om[3].at("tool_call_id"), "call_1");
  EXPECT_EQ(o.at("tools").as_array()[0].at("function").at("name"), "ls");
}

// ---- whole answers -------------------------------------------------------------------------

TEST(ResponsesResponse, TextThinkingAndCallsBecomeItems) {
  core::Response r;
  r.content.push_back(core::Block{core::BlockType::thinking, "Let me look.", "sig"});
  r.content.push_back(core::Block{core::BlockType::text, "Checking."});
  core::Block call;
  call.type = core::BlockType::tool_use;
  call.id = "toolu_1";
  call.name = "read";
  call.input = json::object{{"path", "a.cpp"}};
  r.content.push_back(call);
  core::Block patch = call;
  patch.id = "toolu_2";
  patch.name = "apply_patch";
  patch.input = json::object{{"input", "*** Begin Patch"}};
  r.content.push_back(patch);
  r.stop_reason = core::StopReason::tool_use;
  r.usage = {100, 20, 30, 5};
  auto out = json::parse(emit_responses_response(r, "gpt-5", {"apply_patch"})).as_object();
  EXPECT_EQ(out.at("object"), "response");
  EXPECT_EQ(out.at("status"), "completed");
  EXPECT_EQ(out.at("model"), "gpt-5");
  EXPECT_TRUE(out.at("id").as_string().starts_with("resp_"));
  const auto& items = out.at("output").as_array();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].at("type"), "reasoning");
  EXPECT_EQ(items[0].at("summary").as_array()[0].at("text"), "Let me look.");
  EXPECT_EQ(items[1].at("type"), "message");
  EXPECT_EQ(items[1].at("content").as_array()[0].at("text"), "Checking.");
  EXPECT_EQ(items[2].at("type"), "function_call");
  EXPECT_EQ(items[2].at("call_id"), "toolu_1");
  EXPECT_EQ(json::parse(items[2].at("arguments").as_string()).at("path"), "a.cpp");
  EXPECT_EQ(items[3].at("type"), "custom_tool_call");
  EXPECT_EQ(items[3].at("input"), "*** Begin Patch");
  const auto& usage = out.at("usage").as_object();
  EXPECT_EQ(usage.at("input_tokens"), 135) << "Responses input includes the cached part";
  EXPECT_EQ(usage.at("input_tokens_details").at("cached_tokens"), 30);
  EXPECT_EQ(usage.at("output_tokens"), 20);
  EXPECT_EQ(usage.at("total_tokens"), 155);
}

TEST(ResponsesResponse, LengthStopIsIncomplete) {
  auto upstream = parse_openai_response(json::parse(
      R"({"id":"c","object":"chat.completion","model":"q","choices":[{"index":0,"message":{"role":"assistant",
          "content":"partial"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7}})"));
  ASSERT_TRUE(std::holds_alternative<core::Response>(upstream));
  auto out = json::parse(emit_responses_response(std::get<core::Response>(upstream), "m", {})).as_object();
  EXPECT_EQ(out.at("status"), "incomplete");
  EXPECT_EQ(out.at("incomplete_details").at("reason"), "max_output_tokens");
}

TEST(ResponsesResponse, ErrorsCarryTheCodesCodexActsOn) {
  auto limited = make_error(ErrorKind::rate_limit, "no capacity", ErrorSource::gateway);
  limited.retry_after_s = 7;
  auto e = responses_error(limited);
  EXPECT_EQ(e.at("code"), "rate_limit_exceeded");
  EXPECT_NE(e.at("message").as_string().find("try again in 7s"), std::string::npos);
  EXPECT_EQ(responses_error(make_error(ErrorKind::invalid_request, "prompt is too long", ErrorSource::upstream)).at("code"),
            "context_length_exceeded");
}

}  // namespace
}  // namespace spillway::dialect
