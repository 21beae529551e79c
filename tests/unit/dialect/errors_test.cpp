#include "dialect/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

const std::vector<ErrorKind> all_kinds = {
    ErrorKind::invalid_request, ErrorKind::authentication, ErrorKind::permission,
    ErrorKind::not_found,       ErrorKind::request_too_large, ErrorKind::rate_limit,
    ErrorKind::api_error,       ErrorKind::bad_gateway,    ErrorKind::timeout,
    ErrorKind::overloaded,
};

TEST(ErrorType, Anthropic) {
  auto t = [](ErrorKind k) { return error_type(Dialect::anthropic, k); };
  EXPECT_EQ(t(ErrorKind::invalid_request), "invalid_request_error");
  EXPECT_EQ(t(ErrorKind::authentication), "authentication_error");
  EXPECT_EQ(t(ErrorKind::permission), "permission_error");
  EXPECT_EQ(t(ErrorKind::not_found), "not_found_error");
  EXPECT_EQ(t(ErrorKind::request_too_large), "request_too_large");
  EXPECT_EQ(t(ErrorKind::rate_limit), "rate_limit_error");
  EXPECT_EQ(t(ErrorKind::api_error), "api_error");
  EXPECT_EQ(t(ErrorKind::bad_gateway), "api_error");
  EXPECT_EQ(t(ErrorKind::timeout), "timeout_error");
  EXPECT_EQ(t(ErrorKind::overloaded), "overloaded_error");
}

TEST(ErrorType, OpenAi) {
  auto t = [](ErrorKind k) { return error_type(Dialect::openai, k); };
  EXPECT_EQ(t(ErrorKind::invalid_request), "invalid_request_error");
  EXPECT_EQ(t(ErrorKind::authentication), "authentication_error");
  EXPECT_EQ(t(ErrorKind::permission), "permission_error");
  EXPECT_EQ(t(ErrorKind::not_found), "invalid_request_error");
  EXPECT_EQ(t(ErrorKind::request_too_large), "invalid_request_error");
  EXPECT_EQ(t(ErrorKind::rate_limit), "rate_limit_error");
  EXPECT_EQ(t(ErrorKind::api_error), "server_error");
  EXPECT_EQ(t(ErrorKind::bad_gateway), "server_error");
  EXPECT_EQ(t(ErrorKind::timeout), "timeout");
  EXPECT_EQ(t(ErrorKind::overloaded), "server_error");
}

TEST(ErrorBody, AnthropicShape) {
  ApiError e = make_error(ErrorKind::rate_limit, "slow down");
  EXPECT_EQ(error_body(Dialect::anthropic, e),
            R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
}

TEST(ErrorBody, OpenAiShape) {
  ApiError e = make_error(ErrorKind::invalid_request, "bad");
  EXPECT_EQ(error_body(Dialect::openai, e),
            R"({"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}})");
}

TEST(ErrorBody, EveryKindIsValidJsonWithTheRightFields) {
  for (ErrorKind k : all_kinds) {
    ApiError e = make_error(k, "msg");
    json::value a = json::parse(error_body(Dialect::anthropic, e));
    EXPECT_EQ(a.at("type").as_string(), "error");
    EXPECT_EQ(a.at("error").at("type").as_string(), error_type(Dialect::anthropic, k));
    EXPECT_EQ(a.at("error").at("message").as_string(), "msg");
    EXPECT_EQ(a.as_object().size(), 2u);

    json::value o = json::parse(error_body(Dialect::openai, e));
    EXPECT_EQ(o.as_object().size(), 1u);
    const json::object& inner = o.at("error").as_object();
    EXPECT_EQ(inner.at("message").as_string(), "msg");
    EXPECT_EQ(inner.at("type").as_string(), error_type(Dialect::openai, k));
    EXPECT_TRUE(inner.at("param").is_null());
    ASSERT_TRUE(inner.contains("code"));
  }
}

TEST(ErrorBody, OpenAiCodes) {
  auto code = [](ErrorKind k, std::string msg) {
    json::value o = json::parse(error_body(Dialect::openai, make_error(k, std::move(msg))));
    const json::value& c = o.at("error").at("code");
    return c.is_null() ? std::string("null") : std::string(c.as_string());
  };
  EXPECT_EQ(code(ErrorKind::authentication, "bad key"), "invalid_api_key");
  EXPECT_EQ(code(ErrorKind::rate_limit, "later"), "rate_limit_exceeded");
  EXPECT_EQ(code(ErrorKind::request_too_large, "big"), "request_too_large");
  EXPECT_EQ(code(ErrorKind::not_found, "model 'x' does not exist"), "model_not_found");
  EXPECT_EQ(code(ErrorKind::not_found, "no route for POST /v1/nothing"), "null");
  EXPECT_EQ(code(ErrorKind::invalid_request, "bad"), "null");
  EXPECT_EQ(code(ErrorKind::api_error, "oops"), "null");
}

TEST(ErrorBody, MessageIsEscaped) {
  std::string msg = "quote \" backslash \\ newline \n tab \t ctl \x01 unicode \xc3\xa9 </script>";
  for (Dialect d : {Dialect::anthropic, Dialect::openai}) {
    std::string body = error_body(d, make_error(ErrorKind::invalid_request, msg));
    EXPECT_EQ(body.find('\n'), std::string::npos);
    EXPECT_EQ(json::parse(body).at("error").at("message").as_string(), msg);
  }
}

TEST(ErrorEvent, AnthropicFrame) {
  ApiError e = make_error(ErrorKind::overloaded, "Overloaded", ErrorSource::upstream);
  EXPECT_EQ(error_event(Dialect::anthropic, e),
            "event: error\ndata: " + error_body(Dialect::anthropic, e) + "\n\n");
  EXPECT_EQ(error_event(Dialect::anthropic, e),
            "event: error\ndata: "
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
            "\n\n");
}

TEST(ErrorEvent, OpenAiFrame) {
  ApiError e = make_error(ErrorKind::bad_gateway, "upstream\nwent away");
  std::string frame = error_event(Dialect::openai, e);
  EXPECT_EQ(frame, "data: " + error_body(Dialect::openai, e) + "\n\n");
  EXPECT_EQ(frame.find("event:"), std::string::npos);
  // Exactly one frame: a raw newline in the message must not break SSE framing.
  EXPECT_EQ(frame.find('\n'), frame.size() - 2);
}

}  // namespace
}  // namespace spillway::dialect
