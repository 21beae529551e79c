#include "dialect/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spillway::dialect {

bool operator==(const SseEvent& a, const SseEvent& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}

void PrintTo(const SseEvent& e, std::ostream* os) {
  *os << "{event=\"" << e.event << "\" data=\"" << e.data << "\" id=\"" << e.id << "\"}";
}

namespace {

std::vector<SseEvent> parse_chunks(const std::vector<std::string_view>& chunks,
                                   std::size_t cap = 8u * 1024 * 1024, bool* overflowed = nullptr) {
  SseParser p(cap);
  std::vector<SseEvent> all;
  for (std::string_view c : chunks) {
    for (SseEvent& e : p.feed(c)) {
      all.push_back(std::move(e));
    }
  }
  if (overflowed != nullptr) {
    *overflowed = p.overflowed();
  }
  return all;
}

std::vector<SseEvent> parse_whole(std::string_view s) { return parse_chunks({s}); }

std::vector<SseEvent> parse_bytewise(std::string_view s) {
  std::vector<std::string_view> chunks;
  for (std::size_t i = 0; i < s.size(); ++i) {
    chunks.push_back(s.substr(i, 1));
  }
  return parse_chunks(chunks);
}

// Feeds `s` whole, byte by byte, and split at every point (with an empty feed thrown in),
// and checks every way gives `expected`.
void expect_chunking_invariant(std::string_view s, const std::vector<SseEvent>& expected) {
  EXPECT_EQ(parse_whole(s), expected);
  EXPECT_EQ(parse_bytewise(s), expected);
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(parse_chunks({s.substr(0, cut), "", s.substr(cut)}), expected) << "cut at " << cut;
  }
}

TEST(SseParser, AnthropicStyleFrames) {
  std::string s =
      "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      "event: ping\ndata: {\"type\": \"ping\"}\n\n"
      "event: content_block_delta\ndata: {\"delta\":\"hi\"}\n\n";
  expect_chunking_invariant(s, {{"message_start", "{\"type\":\"message_start\"}", ""},
                                {"ping", "{\"type\": \"ping\"}", ""},
                                {"content_block_delta", "{\"delta\":\"hi\"}", ""}});
}

TEST(SseParser, OpenAiStyleFramesWithCrLf) {
  std::string s = "data: {\"a\":1}\r\n\r\ndata: {\"a\":2}\r\n\r\ndata: [DONE]\r\n\r\n";
  expect_chunking_invariant(s, {{"", "{\"a\":1}", ""}, {"", "{\"a\":2}", ""}, {"", "[DONE]", ""}});
}

TEST(SseParser, AllThreeLineEndingsMixed) {
  std::string s = "event: a\rdata: 1\r\rdata: 2\r\n\r\ndata: 3\n\ndata: 4\r\n\rdata: 5\r\r\n";
  // The last frame "data: 5\r\r\n": "\r" ends the line, "\r\n" is the blank line.
  expect_chunking_invariant(s, {{"a", "1", ""}, {"", "2", ""}, {"", "3", ""}, {"", "4", ""},
                                {"", "5", ""}});
}

TEST(SseParser, CrLfSplitAcrossFeedsIsOneLineEnding) {
  // If the "\n" after a "\r" at the end of a feed were taken as a second line ending, it would
  // end the event early and the second data line would start a new event.
  std::vector<SseEvent> events = parse_chunks({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  EXPECT_EQ(events, (std::vector<SseEvent>{{"", "a\nb", ""}}));
}

TEST(SseParser, LoneCrThenEmptyFeedThenLf) {
  std::vector<SseEvent> events = parse_chunks({"data: a\r", "", "\n", "data: b\n\n"});
  EXPECT_EQ(events, (std::vector<SseEvent>{{"", "a\nb", ""}}));
}

TEST(SseParser, MultiLineDataIsJoinedWithNewline) {
  expect_chunking_invariant("data: line one\ndata: line two\ndata:\ndata: end\n\n",
                            {{"", "line one\nline two\n\nend", ""}});
}

TEST(SseParser, CommentsAreIgnored) {
  expect_chunking_invariant(": keep-alive\n\n:another\ndata: x\n: mid-event comment\n\n",
                            {{"", "x", ""}});
}

TEST(SseParser, OnlyOneSpaceAfterColonIsDropped) {
  expect_chunking_invariant("event:nospace\ndata:  two spaces\n\ndata:\tx\n\n",
                            {{"nospace", " two spaces", ""}, {"", "\tx", ""}});
}

TEST(SseParser, FieldWithoutColonHasEmptyValue) {
  // "data" alone is a data line with an empty value, so the frame dispatches with "".
  expect_chunking_invariant("data\n\nevent\ndata: y\n\n", {{"", "", ""}, {"", "y", ""}});
}

TEST(SseParser, IdAndUnknownFields) {
  expect_chunking_invariant("id: 42\nretry: 1000\nfoo: bar\nevent: e\ndata: d\n\ndata: n\n\n",
                            {{"e", "d", "42"}, {"", "n", ""}});
}

TEST(SseParser, FrameWithoutDataIsNotDispatched) {
  expect_chunking_invariant("event: lonely\n\nevent: real\ndata: r\n\n", {{"real", "r", ""}});
}

TEST(SseParser, LaterEventLineWins) {
  expect_chunking_invariant("event: a\nevent: b\ndata: x\n\n", {{"b", "x", ""}});
}

TEST(SseParser, UnterminatedLastFrameIsHeldBack) {
  SseParser p;
  EXPECT_TRUE(p.feed("data: done\n\ndata: partial\n").size() == 1);
  std::vector<SseEvent> rest = p.feed("\n");
  EXPECT_EQ(rest, (std::vector<SseEvent>{{"", "partial", ""}}));
  EXPECT_TRUE(p.feed("data: never ended").empty());
}

TEST(SseParser, ColonsInValueAreKept) {
  expect_chunking_invariant("data: {\"a\":\"b:c\"}\n\n", {{"", "{\"a\":\"b:c\"}", ""}});
}

TEST(SseParser, EveryTwoWayAndThreeWaySplitOfAMixedStream) {
  std::string s =
      ": hi\r\nevent: message_delta\r\ndata: {\"x\":1}\r\ndata: {\"y\":2}\r\n\r\n"
      "data: [DONE]\r\rid: 7\ndata: z\n\n";
  std::vector<SseEvent> expected = {{"message_delta", "{\"x\":1}\n{\"y\":2}", ""},
                                    {"", "[DONE]", ""},
                                    {"", "z", "7"}};
  expect_chunking_invariant(s, expected);
  for (std::size_t a = 0; a <= s.size(); ++a) {
    for (std::size_t b = a; b <= s.size(); ++b) {
      std::string_view v = s;
      ASSERT_EQ(parse_chunks({v.substr(0, a), v.substr(a, b - a), v.substr(b)}), expected)
          << a << "," << b;
    }
  }
}

TEST(SseParser, OverflowStopsTheParser) {
  bool overflowed = false;
  std::string big(100, 'x');
  std::vector<SseEvent> events =
      parse_chunks({"data: ok\n\n", "data: " + big, "\n\ndata: after\n\n"}, 64, &overflowed);
  EXPECT_TRUE(overflowed);
  EXPECT_EQ(events, (std::vector<SseEvent>{{"", "ok", ""}}));
}

TEST(SseParser, OverflowCountsAllLinesOfAnEvent) {
  // Each line fits; together they pass the cap.
  bool overflowed = false;
  parse_chunks({"data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n"}, 40, &overflowed);
  EXPECT_TRUE(overflowed);
  // The same lines split into separate events stay under it.
  overflowed = true;
  std::vector<SseEvent> events = parse_chunks(
      {"data: 0123456789\n\ndata: 0123456789\n\ndata: 0123456789\n\n"}, 40, &overflowed);
  EXPECT_FALSE(overflowed);
  EXPECT_EQ(events.size(), 3u);
}

TEST(SseParser, OverflowPointDoesNotDependOnChunking) {
  std::string s = "data: a\n\ndata: " + std::string(30, 'b') + "\n\ndata: " +
                  std::string(60, 'c') + "\n\ndata: d\n\n";
  bool whole_overflowed = false;
  std::vector<SseEvent> whole = parse_chunks({s}, 40, &whole_overflowed);
  ASSERT_TRUE(whole_overflowed);
  ASSERT_EQ(whole.size(), 2u);
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    bool overflowed = false;
    std::string_view v = s;
    EXPECT_EQ(parse_chunks({v.substr(0, cut), v.substr(cut)}, 40, &overflowed), whole) << cut;
    EXPECT_TRUE(overflowed);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bytes.push_back(std::string_view(s).substr(i, 1));
  }
  bool overflowed = false;
  EXPECT_EQ(parse_chunks(bytes, 40, &overflowed), whole);
  EXPECT_TRUE(overflowed);
}

TEST(SseParser, EventExactlyAtCapIsAccepted) {
  // "data: " + 34 bytes = 40 bytes of line.
  bool overflowed = true;
  std::vector<SseEvent> events =
      parse_chunks({"data: " + std::string(34, 'x') + "\n\n"}, 40, &overflowed);
  EXPECT_FALSE(overflowed);
  ASSERT_EQ(events.size(), 1u);
  overflowed = false;
  parse_chunks({"data: " + std::string(35, 'x') + "\n\n"}, 40, &overflowed);
  EXPECT_TRUE(overflowed);
}

TEST(EncodeSse, NamedEvent) {
  EXPECT_EQ(encode_sse("ping", "{\"type\":\"ping\"}"), "event: ping\ndata: {\"type\":\"ping\"}\n\n");
}

TEST(EncodeSse, DataOnly) { EXPECT_EQ(encode_sse("", "[DONE]"), "data: [DONE]\n\n"); }

TEST(EncodeSse, MultiLineData) {
  EXPECT_EQ(encode_sse("e", "a\nb\r\nc\rd"), "event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
}

TEST(EncodeSse, EmptyDataStillDispatches) {
  EXPECT_EQ(encode_sse("", ""), "data: \n\n");
  EXPECT_EQ(parse_whole(encode_sse("x", "")), (std::vector<SseEvent>{{"x", "", ""}}));
}

TEST(EncodeSse, RoundTripsThroughTheParser) {
  for (std::string_view data : {"plain", "two\nlines", "\nleading", "trailing\n", "\n\n",
                                " leading space", ":colon first", "data: looks like a field"}) {
    for (std::string_view event : {"", "message_delta"}) {
      EXPECT_EQ(parse_bytewise(encode_sse(event, data)),
                (std::vector<SseEvent>{{std::string(event), std::string(data), ""}}))
          << "data=" << data;
    }
  }
}

}  // namespace
}  // namespace spillway::dialect
