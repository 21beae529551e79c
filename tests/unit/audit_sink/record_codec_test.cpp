// Records through the sink queue's byte encoding: every field back as it went in.
#include <gtest/gtest.h>

#include "audit/record_codec.hpp"

namespace spillway::audit {
namespace {

Record full() {
  Record r;
  r.start_ms = 1'700'000'000'123;
  r.end_ms = 1'700'000'004'000;
  r.ttft_ms = 77;
  r.key_name = "team-a";
  r.agent = "planner";
  r.session = std::string(300, 's');  // longer than any small-string buffer
  r.dialect = "openai";
  r.endpoint = "chat";
  r.model = "gpt-4o";
  r.route = "premium-first";
  r.upstream = "azure";
  r.upstream_model = "gpt-4o-2024-08-06";
  r.attempts = 3;
  r.queued_ms = 1500;
  r.status = 429;
  r.stream = true;
  r.overflowed = true;
  r.refused_by = "a:429,b:connect";
  r.input_tokens = 123456;
  r.output_tokens = 789;
  r.cache_read_tokens = 1000;
  r.cache_write_tokens = 2;
  r.usage_estimated = true;
  r.cost_usd = 1.25;
  r.request_body = std::string("{\"a\":\0}", 7);  // bytes, NUL included
  r.response_body = "";
  return r;
}

void expect_same(const Record& a, const Record& b) {
  EXPECT_EQ(a.start_ms, b.start_ms);
  EXPECT_EQ(a.end_ms, b.end_ms);
  EXPECT_EQ(a.ttft_ms, b.ttft_ms);
  EXPECT_EQ(a.key_name, b.key_name);
  EXPECT_EQ(a.agent, b.agent);
  EXPECT_EQ(a.session, b.session);
  EXPECT_EQ(a.dialect, b.dialect);
  EXPECT_EQ(a.endpoint, b.endpoint);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.route, b.route);
  EXPECT_EQ(a.upstream, b.upstream);
  EXPECT_EQ(a.upstream_model, b.upstream_model);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.queued_ms, b.queued_ms);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.overflowed, b.overflowed);
  EXPECT_EQ(a.refused_by, b.refused_by);
  EXPECT_EQ(a.input_tokens, b.input_tokens);
  EXPECT_EQ(a.output_tokens, b.output_tokens);
  EXPECT_EQ(a.cache_read_tokens, b.cache_read_tokens);
  EXPECT_EQ(a.cache_write_tokens, b.cache_write_tokens);
  EXPECT_EQ(a.usage_estimated, b.usage_estimated);
  EXPECT_EQ(a.cost_usd, b.cost_usd);
  EXPECT_EQ(a.request_body, b.request_body);
  EXPECT_EQ(a.response_body, b.response_body);
}

TEST(RecordCodec, RoundTripsOneAfterAnother) {
  std::string bytes;
  const Record a = full();
  Record b;  // defaults: no cost, no bodies, ttft -1
  b.model = "m";
  append_record(bytes, a);
  append_record(bytes, b);
  std::string_view in = bytes;
  Record out = full();  // decoded into a record that already holds values: all replaced
  ASSERT_TRUE(read_record(in, out));
  expect_same(a, out);
  ASSERT_TRUE(read_record(in, out));
  expect_same(b, out);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(read_record(in, out));
}

TEST(RecordCodec, ACutRecordIsNotReadAndNotConsumed) {
  std::string bytes;
  append_record(bytes, full());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string_view in(bytes.data(), cut);
    Record out;
    EXPECT_FALSE(read_record(in, out)) << cut;
    EXPECT_EQ(in.size(), cut);
  }
}

}  // namespace
}  // namespace spillway::audit
