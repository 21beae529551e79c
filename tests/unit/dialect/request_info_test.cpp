#include "dialect/request_info.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

RequestInfo parse_ok(Dialect d, std::string_view body) {
  auto result = parse_request(d, body);
  if (const auto* err = std::get_if<ApiError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << err->message << "\nbody: " << body;
    return {};
  }
  return std::get<RequestInfo>(result);
}

ApiError parse_err(Dialect d, std::string_view body) {
  auto result = parse_request(d, body);
  if (!std::holds_alternative<ApiError>(result)) {
    ADD_FAILURE() << "expected an error for body: " << body;
    return {};
  }
  return std::get<ApiError>(result);
}

void expect_client_error(const ApiError& e) {
  EXPECT_EQ(e.kind, ErrorKind::invalid_request);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.source, ErrorSource::client);
  EXPECT_FALSE(e.retryable);
}

TEST(ParseRequest, ReadsAnthropicFields) {
  std::string body = R"({
    "model": "claude-sonnet-4-5",
    "max_tokens": 1024,
    "system": [{"type": "text", "text": "You are terse."}],
    "tools": [{"name": "read_file", "input_schema": {"type": "object"}}],
    "messages": [{"role": "user", "content": "Show main.cpp"}],
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "stream": true
  })";
  RequestInfo info = parse_ok(Dialect::anthropic, body);
  EXPECT_EQ(info.model, "claude-sonnet-4-5");
  EXPECT_TRUE(info.stream);
  EXPECT_EQ(info.max_tokens, 1024);
  EXPECT_TRUE(info.has_tools);
  EXPECT_TRUE(info.wants_thinking);
}

TEST(ParseRequest, DefaultsWhenOptionalFieldsAbsent) {
  RequestInfo info = parse_ok(Dialect::anthropic, R"({"model":"m","messages":[]})");
  EXPECT_EQ(info.model, "m");
  EXPECT_FALSE(info.stream);
  EXPECT_EQ(info.max_tokens, 0);
  EXPECT_FALSE(info.has_tools);
  EXPECT_FALSE(info.wants_thinking);
}

TEST(ParseRequest, ModelWithEscapesIsDecoded) {
  RequestInfo info = parse_ok(Dialect::openai, R"({"model":"gpt\u002d4o \"x\"\n"})");
  EXPECT_EQ(info.model, "gpt-4o \"x\"\n");
}

TEST(ParseRequest, EscapedTopLevelKeyIsRecognised) {
  RequestInfo info = parse_ok(Dialect::anthropic, R"({"mod\u0065l":"m","str\u0065am":true})");
  EXPECT_EQ(info.model, "m");
  EXPECT_TRUE(info.stream);
}

TEST(ParseRequest, NestedKeysDoNotCountAsTopLevel) {
  std::string body = R"({"messages":[{"role":"user","model":"inner","stream":true,
    "max_tokens":5,"tools":[1],"thinking":{"type":"enabled"}}],"model":"outer"})";
  RequestInfo info = parse_ok(Dialect::anthropic, body);
  EXPECT_EQ(info.model, "outer");
  EXPECT_FALSE(info.stream);
  EXPECT_EQ(info.max_tokens, 0);
  EXPECT_FALSE(info.has_tools);
  EXPECT_FALSE(info.wants_thinking);
}

TEST(ParseRequest, EmptyBody) {
  ApiError e = parse_err(Dialect::anthropic, "");
  expect_client_error(e);
  EXPECT_EQ(e.message, "request body is empty");
}

TEST(ParseRequest, MalformedJsonNamesTheByteOffset) {
  std::string body = R"({"model": "m", "x": tru})";
  ApiError e = parse_err(Dialect::anthropic, body);
  expect_client_error(e);
  // The parser consumed everything up to the bad literal.
  std::string expected_offset = std::to_string(body.find("tru"));
  EXPECT_EQ(e.message, "request body is not valid JSON: syntax error at byte " + expected_offset);
}

TEST(ParseRequest, MalformedJsonOffsetTracksPosition) {
  for (std::size_t pad : {0u, 1u, 17u, 300u}) {
    std::string body = "{\"model\":\"m\"," + std::string(pad, ' ') + "}";
    ApiError e = parse_err(Dialect::openai, body);
    std::string offset = std::to_string(body.size() - 1);
    EXPECT_NE(e.message.find("at byte " + offset), std::string::npos) << e.message;
  }
}

TEST(ParseRequest, TruncatedBody) {
  std::string body = R"({"model":"m","messages":[)";
  ApiError e = parse_err(Dialect::anthropic, body);
  expect_client_error(e);
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(e.message.find("at byte " + std::to_string(body.size())), std::string::npos)
      << e.message;
}

TEST(ParseRequest, TrailingDataIsRefused) {
  std::string body = R"({"model":"m"} {"model":"n"})";
  ApiError e = parse_err(Dialect::anthropic, body);
  expect_client_error(e);
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos);
  // Trailing whitespace is fine, so the error points at the second value itself.
  EXPECT_NE(e.message.find("at byte " + std::to_string(body.find("{", 1))), std::string::npos)
      << e.message;
}

TEST(ParseRequest, TrailingWhitespaceIsFine) {
  EXPECT_EQ(parse_ok(Dialect::anthropic, " {\"model\":\"m\"} \r\n\t").model, "m");
}

TEST(ParseRequest, InvalidUtf8IsRefused) {
  ApiError e = parse_err(Dialect::anthropic, "{\"model\":\"m\xff\"}");
  expect_client_error(e);
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos);
}

TEST(ParseRequest, NonObjectBodies) {
  for (std::string_view body : {"[]", "\"model\"", "42", "null", "true"}) {
    ApiError e = parse_err(Dialect::anthropic, body);
    expect_client_error(e);
    EXPECT_NE(e.message.find("must be a JSON object"), std::string::npos) << e.message;
  }
  EXPECT_NE(parse_err(Dialect::anthropic, "[]").message.find("array"), std::string::npos);
}

TEST(ParseRequest, MissingModel) {
  ApiError e = parse_err(Dialect::anthropic, R"({"messages":[{"model":"nested"}]})");
  expect_client_error(e);
  EXPECT_EQ(e.message, "missing required field 'model'");
}

TEST(ParseRequest, NonStringModel) {
  for (std::string_view body :
       {R"({"model":5})", R"({"model":null})", R"({"model":["m"]})", R"({"model":{"id":"m"}})"}) {
    ApiError e = parse_err(Dialect::openai, body);
    expect_client_error(e);
    EXPECT_NE(e.message.find("field 'model' must be a string"), std::string::npos) << e.message;
  }
}

TEST(ParseRequest, EmptyModel) {
  ApiError e = parse_err(Dialect::openai, R"({"model":""})");
  expect_client_error(e);
  EXPECT_EQ(e.message, "field 'model' must not be empty");
}

TEST(ParseRequest, DuplicateModelIsRefused) {
  ApiError e = parse_err(Dialect::anthropic, R"({"model":"a","mod\u0065l":"b"})");
  expect_client_error(e);
  EXPECT_NE(e.message.find("more than once"), std::string::npos);
}

TEST(ParseRequest, StreamMustBeBoolean) {
  for (std::string_view body : {R"({"model":"m","stream":"true"})", R"({"model":"m","stream":1})",
                                R"({"model":"m","stream":{}})"}) {
    ApiError e = parse_err(Dialect::anthropic, body);
    expect_client_error(e);
    EXPECT_NE(e.message.find("field 'stream' must be a boolean"), std::string::npos) << e.message;
  }
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","stream":false})").stream);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","stream":null})").stream);
}

TEST(ParseRequest, OpenAiMaxTokensPrefersMaxCompletionTokens) {
  EXPECT_EQ(parse_ok(Dialect::openai, R"({"model":"m","max_tokens":100})").max_tokens, 100);
  EXPECT_EQ(parse_ok(Dialect::openai, R"({"model":"m","max_completion_tokens":200})").max_tokens,
            200);
  EXPECT_EQ(parse_ok(Dialect::openai,
                     R"({"model":"m","max_tokens":100,"max_completion_tokens":300})")
                .max_tokens,
            300);
  EXPECT_EQ(parse_ok(Dialect::openai,
                     R"({"model":"m","max_completion_tokens":300,"max_tokens":100})")
                .max_tokens,
            300);
  EXPECT_EQ(parse_ok(Dialect::openai,
                     R"({"model":"m","max_completion_tokens":null,"max_tokens":100})")
                .max_tokens,
            100);
}

TEST(ParseRequest, AnthropicIgnoresMaxCompletionTokens) {
  EXPECT_EQ(parse_ok(Dialect::anthropic, R"({"model":"m","max_completion_tokens":300})").max_tokens,
            0);
}

TEST(ParseRequest, MaxTokensValidation) {
  EXPECT_EQ(parse_ok(Dialect::anthropic, R"({"model":"m","max_tokens":1024.0})").max_tokens, 1024);
  EXPECT_EQ(parse_ok(Dialect::anthropic, R"({"model":"m","max_tokens":0})").max_tokens, 0);
  for (std::string_view body :
       {R"({"model":"m","max_tokens":-1})", R"({"model":"m","max_tokens":1.5})",
        R"({"model":"m","max_tokens":"100"})", R"({"model":"m","max_tokens":18446744073709551615})"}) {
    ApiError e = parse_err(Dialect::anthropic, body);
    expect_client_error(e);
    EXPECT_NE(e.message.find("field 'max_tokens'"), std::string::npos) << e.message;
  }
  ApiError e = parse_err(Dialect::openai, R"({"model":"m","max_completion_tokens":true})");
  EXPECT_NE(e.message.find("field 'max_completion_tokens'"), std::string::npos) << e.message;
}

TEST(ParseRequest, HasToolsNeedsANonEmptyArray) {
  EXPECT_TRUE(parse_ok(Dialect::openai, R"({"model":"m","tools":[{"type":"function"}]})").has_tools);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","tools":[]})").has_tools);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","tools":null})").has_tools);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","tools":{"a":1}})").has_tools);
  // An empty array nested inside the tools array's first element does not make it empty.
  EXPECT_TRUE(parse_ok(Dialect::anthropic, R"({"model":"m","tools":[[]]})").has_tools);
}

TEST(ParseRequest, AnthropicThinking) {
  auto wants = [](std::string_view thinking) {
    std::string body = R"({"model":"m","thinking":)" + std::string(thinking) + "}";
    return parse_ok(Dialect::anthropic, body).wants_thinking;
  };
  EXPECT_TRUE(wants(R"({"type":"enabled","budget_tokens":1024})"));
  EXPECT_TRUE(wants(R"({"budget_tokens":1024,"type":"adaptive"})"));
  EXPECT_TRUE(wants(R"({"display":{"type":"disabled"},"type":"enabled"})"));
  EXPECT_FALSE(wants(R"({"type":"disabled"})"));
  EXPECT_FALSE(wants(R"({"type":"enabled","type":"disabled"})"));
  EXPECT_FALSE(wants(R"({"budget_tokens":1024})"));
  EXPECT_FALSE(wants(R"(null)"));
  EXPECT_FALSE(wants(R"("enabled")"));
  EXPECT_FALSE(wants(R"([{"type":"enabled"}])"));
  EXPECT_FALSE(wants(R"({"nested":{"type":"enabled"}})"));
}

TEST(ParseRequest, AnthropicIgnoresReasoningEffort) {
  EXPECT_FALSE(parse_ok(Dialect::anthropic, R"({"model":"m","reasoning_effort":"high"})")
                   .wants_thinking);
}

TEST(ParseRequest, OpenAiReasoningEffort) {
  EXPECT_TRUE(parse_ok(Dialect::openai, R"({"model":"m","reasoning_effort":"high"})").wants_thinking);
  EXPECT_TRUE(parse_ok(Dialect::openai, R"({"model":"m","reasoning_effort":"low"})").wants_thinking);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","reasoning_effort":"none"})").wants_thinking);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","reasoning_effort":null})").wants_thinking);
  EXPECT_FALSE(parse_ok(Dialect::openai, R"({"model":"m","thinking":{"type":"enabled"}})")
                   .wants_thinking);
}

TEST(ParseRequest, InputTokenEstimateCountsSystemMessagesAndTools) {
  std::string system = R"([{"type":"text","text":"be brief"}])";
  std::string messages = R"([{"role":"user","content":"hi \"there\""}])";
  std::string tools = R"([{"name":"t","input_schema":{}}])";
  std::string body = "{ \"model\" : \"m\", \"system\" :" + system + ",\n\"messages\":  " +
                     messages + ", \"metadata\": {\"user_id\": \"0123456789012345678901\"}, "
                     "\"tools\":" + tools + "}";
  std::size_t bytes = system.size() + messages.size() + tools.size();
  EXPECT_EQ(parse_ok(Dialect::anthropic, body).input_token_estimate,
            static_cast<std::int64_t>((bytes + 3) / 4));
}

TEST(ParseRequest, InputTokenEstimateRoundsUp) {
  for (std::size_t n = 0; n < 8; ++n) {
    std::string content(n, 'x');
    std::string messages = "[\"" + content + "\"]";
    std::string body = R"({"model":"m","messages":)" + messages + "}";
    std::int64_t bytes = static_cast<std::int64_t>(messages.size());
    EXPECT_EQ(parse_ok(Dialect::openai, body).input_token_estimate, (bytes + 3) / 4) << n;
  }
  EXPECT_EQ(parse_ok(Dialect::openai, R"({"model":"m"})").input_token_estimate, 0);
}

TEST(ParseRequest, NestingLimit) {
  auto nested = [](std::size_t levels) {
    // The top-level object is one level; the rest are arrays under "messages".
    return R"({"model":"m","messages":)" + std::string(levels - 1, '[') +
           std::string(levels - 1, ']') + "}";
  };
  EXPECT_EQ(parse_ok(Dialect::anthropic, nested(128)).model, "m");
  ApiError e = parse_err(Dialect::anthropic, nested(129));
  expect_client_error(e);
  EXPECT_NE(e.message.find("deeper than 128"), std::string::npos) << e.message;
  // A very deep body must be refused without exhausting the stack.
  e = parse_err(Dialect::anthropic, nested(100000));
  expect_client_error(e);
}

TEST(ParseRequest, LargeBody) {
  // A ~2 MB conversation with escapes everywhere; checks the estimate on a realistic size.
  std::string messages = "[";
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) {
      messages += ",";
    }
    messages += R"({"role":"user","content":"line \"quoted\" \\ \u00e9 )" + std::to_string(i) +
                R"( padding padding padding padding padding padding"})";
  }
  messages += "]";
  std::string body = R"({"model":"big","stream":true,"messages":)" + messages + "}";
  ASSERT_GT(body.size(), 1000000u);
  RequestInfo info = parse_ok(Dialect::anthropic, body);
  EXPECT_EQ(info.model, "big");
  EXPECT_TRUE(info.stream);
  EXPECT_EQ(info.input_token_estimate, static_cast<std::int64_t>((messages.size() + 3) / 4));
}

TEST(ParseRequest, AgreesWithBoostDomOnVariedBodies) {
  // Long keys and values arrive from Boost's parser in several parts; the result must not
  // depend on that.
  std::string long_key(5000, 'k');
  std::string long_model(5000, 'q');
  std::string body = "{\"" + long_key + "\":\"" + std::string(70000, 'v') + "\",\"model\":\"" +
                     long_model + "\",\"stream\":true}";
  RequestInfo info = parse_ok(Dialect::anthropic, body);
  json::value dom = json::parse(body);
  EXPECT_EQ(info.model, std::string(dom.at("model").as_string()));
  EXPECT_TRUE(info.stream);
}

}  // namespace
}  // namespace spillway::dialect
