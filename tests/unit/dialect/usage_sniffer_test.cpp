#include "dialect/usage_sniffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace spillway::dialect {
namespace {

TEST(UsageSniffer, AnthropicStreamLastTotalsWin) {
  UsageSniffer s(Dialect::anthropic);
  s.feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":120,"
         "\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":900,\"output_tokens\":1}}}\n\n");
  s.feed("event: content_block_delta\ndata: {\"delta\":{\"type\":\"text_delta\",\"text\":\"the \\\"output_tokens\\\": 99 trick\"}}\n\n");
  s.feed("event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\": 42}}\n\n");
  auto u = s.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->input_tokens, 120);
  EXPECT_EQ(u->cache_creation_input_tokens, 30);
  EXPECT_EQ(u->cache_read_input_tokens, 900);
  EXPECT_EQ(u->output_tokens, 42);  // escaped quotes in text are not a member name
}

TEST(UsageSniffer, OpenAiPromptIncludesCachedTokens) {
  UsageSniffer s(Dialect::openai);
  s.feed(R"({"id":"x","usage":{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1050,)"
         R"("prompt_tokens_details":{"cached_tokens":800}}})");
  auto u = s.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->input_tokens, 200);
  EXPECT_EQ(u->cache_read_input_tokens, 800);
  EXPECT_EQ(u->output_tokens, 50);
}

TEST(UsageSniffer, ResponsesInputIncludesCachedTokens) {
  UsageSniffer s(Dialect::responses);
  // A stream: created (usage null), a delta, completed with the totals.
  s.feed("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\n\n");
  s.feed("event: response.output_text.delta\ndata: {\"delta\":\"the \\\"output_tokens\\\": 9\"}\n\n");
  s.feed(R"(event: response.completed
data: {"type":"response.completed","response":{"usage":{"input_tokens":1000,"input_tokens_details":)"
         R"({"cached_tokens":800},"output_tokens":50,"output_tokens_details":{"reasoning_tokens":7},"total_tokens":1050}}})");
  auto u = s.usage();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->input_tokens, 200);
  EXPECT_EQ(u->cache_read_input_tokens, 800);
  EXPECT_EQ(u->output_tokens, 50);
}

TEST(UsageSniffer, NothingSeenIsNothing) {
  UsageSniffer s(Dialect::openai);
  s.feed("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n");
  s.feed("data: {\"usage\":null}\n\n");
  EXPECT_FALSE(s.usage());
  UsageSniffer a(Dialect::anthropic);
  a.feed("{\"prompt_tokens\":5}");  // the other dialect's names are not read
  EXPECT_FALSE(a.usage());
}

}  // namespace
}  // namespace spillway::dialect
