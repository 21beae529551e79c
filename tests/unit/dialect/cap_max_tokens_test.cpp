// A route's max_tokens ceiling applied to the request bytes: larger asks lowered, absent ones
// added, everything else left as the client wrote it.
#include <gtest/gtest.h>

#include "dialect/request_info.hpp"

namespace spillway::dialect {
namespace {

TEST(CapMaxTokens, LowersALargerAskAndKeepsTheRest) {
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"model":"m", "max_tokens": 32000,"stream":true})", 4096),
            R"({"model":"m", "max_tokens": 4096,"stream":true})");
}

TEST(CapMaxTokens, LeavesASmallerAskAlone) {
  const std::string body = R"({"model":"m","max_tokens":1024})";
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, body, 4096), body);
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"model":"m","max_tokens":4096})", 4096), R"({"model":"m","max_tokens":4096})");
}

TEST(CapMaxTokens, OpenAiHasTwoNamesForIt) {
  EXPECT_EQ(cap_max_tokens(Dialect::openai, R"({"model":"m","max_completion_tokens":9000,"max_tokens":9000})", 100),
            R"({"model":"m","max_completion_tokens":100,"max_tokens":100})");
  // max_completion_tokens is no Anthropic field: left alone there.
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"max_completion_tokens":9000,"max_tokens":10})", 100),
            R"({"max_completion_tokens":9000,"max_tokens":10})");
}

TEST(CapMaxTokens, AddsTheCeilingWhenTheRequestHasNone) {
  EXPECT_EQ(cap_max_tokens(Dialect::openai, R"( {"model":"m"})", 256), R"( {"max_completion_tokens":256,"model":"m"})");
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"model":"m"})", 256), R"({"max_tokens":256,"model":"m"})");
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, "{ }", 256), R"({"max_tokens":256 })");
}

TEST(CapMaxTokens, NestedMembersAreNotTheLimit) {
  // Only the top-level member counts; one inside a message is content.
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"metadata":{"max_tokens":99999},"max_tokens":5})", 100),
            R"({"metadata":{"max_tokens":99999},"max_tokens":5})");
}

TEST(CapMaxTokens, ANonNumberIsReplacedByTheCeiling) {
  EXPECT_EQ(cap_max_tokens(Dialect::anthropic, R"({"max_tokens":1e9})", 100), R"({"max_tokens":100})");
}

}  // namespace
}  // namespace spillway::dialect
