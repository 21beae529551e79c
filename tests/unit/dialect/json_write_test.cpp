#include "dialect/json_write.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "dialect/stream_translate.hpp"

namespace spillway::dialect {
namespace {

std::string written(std::string_view s) {
  std::string out;
  json_write::string(out, s);
  return out;
}

TEST(JsonWrite, EscapesLikeBoostAndKeepsValidUtf8) {
  const std::string text = "a\"b\\c\n\t\x01 \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(written(text), boost::json::serialize(boost::json::value(text)));
}

TEST(JsonWrite, InvalidUtf8BecomesReplacementCharacters) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(written("a\xFFz"), "\"a" + replacement + "z\"");                  // not a lead byte
  EXPECT_EQ(written("\x80"), "\"" + replacement + "\"");                      // stray continuation
  EXPECT_EQ(written("\xE2\x82"), "\"" + replacement + replacement + "\"");    // truncated
  EXPECT_EQ(written("\xC0\xAF"), "\"" + replacement + replacement + "\"");    // overlong
  EXPECT_EQ(written("\xED\xA0\x80"), "\"" + replacement + replacement + replacement + "\"");  // surrogate
  EXPECT_EQ(written("\xF4\x90\x80\x80").size(), 2 + 4 * replacement.size());  // past U+10FFFF
  // Whatever came in, what goes out parses as strict JSON.
  for (const char* bad : {"\xFF", "\xC3", "x\xE2\x28\xA1y", "\xF0\x9F\x98"}) {
    boost::system::error_code ec;
    boost::json::parse(written(bad), ec);
    EXPECT_FALSE(ec) << written(bad);
  }
}

TEST(JsonWrite, AStreamedChunkWithInvalidUtf8StillYieldsValidEvents) {
  OpenAiToAnthropicStream t({"claude", false, 10, "msg_x"});
  std::string out = t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok \xC3\"}}]}\n\n");
  out += t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  SseParser p;
  int deltas = 0;
  for (const SseEvent& e : p.feed(out)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(e.data, ec);
    ASSERT_FALSE(ec) << e.data;
    if (e.event == "content_block_delta") {
      ++deltas;
      EXPECT_EQ(v.at("delta").at("text").as_string(), "ok \xEF\xBF\xBD");
    }
  }
  EXPECT_EQ(deltas, 1);
}

}  // namespace
}  // namespace spillway::dialect
