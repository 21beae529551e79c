#include "dialect/json_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spillway::dialect::json_scan {
namespace {

constexpr std::size_t npos = std::string_view::npos;

TEST(JsonScan, SkipStringCountsBackslashRuns) {
  // "a\\" ends at its second quote; "a\"" does not end at the escaped one.
  std::string_view even = R"("a\\"x)";
  EXPECT_EQ(skip_string(even, 0), even.find('x'));
  std::string_view odd = R"("a\"b"x)";
  EXPECT_EQ(skip_string(odd, 0), odd.find('x'));
  std::string_view triple = R"("\\\"\\"x)";
  EXPECT_EQ(skip_string(triple, 0), triple.find('x'));
  EXPECT_EQ(skip_string(R"("unterminated\")", 0), npos);
}

TEST(JsonScan, SkipValueHandlesBracketsInsideStrings) {
  std::string_view v = R"({"a":"}]","b":[{"c":"\"}"}]} tail)";
  EXPECT_EQ(skip_value(v, 0), v.find(" tail"));
  std::string_view n = "-12.5e3, x";
  EXPECT_EQ(skip_value(n, 0), n.find(','));
  EXPECT_EQ(skip_value("[1,[2]", 0), npos);
  EXPECT_EQ(skip_value("]", 0), npos);
}

TEST(JsonScan, DecodeString) {
  std::string out;
  ASSERT_TRUE(decode_string(R"(a\"b\\c\/d\n\t\u00e9\ud83d\ude00)", out));
  EXPECT_EQ(out, "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(decode_string(R"(\x)", out));
  EXPECT_FALSE(decode_string(R"(\u12)", out));
  EXPECT_FALSE(decode_string(R"(\ud83d)", out));  // lone high surrogate
  EXPECT_FALSE(decode_string(R"(\ude00)", out));  // lone low surrogate
  EXPECT_FALSE(decode_string("trailing\\", out));
}

TEST(JsonScan, KeyEquals) {
  EXPECT_TRUE(key_equals("model", "model"));
  EXPECT_TRUE(key_equals(R"(m\u006fdel)", "model"));
  EXPECT_FALSE(key_equals(R"(model\u0000)", "model"));
  EXPECT_FALSE(key_equals("Model", "model"));
}

TEST(JsonScan, TopLevelMembers) {
  std::string_view body = " { \"a\" : 1 ,\"b\":{\"a\":[2]},\n\"c\" : \"x\" } ";
  TopLevelScanner s(body);
  Member m;
  std::vector<std::pair<std::string, std::string>> got;
  while (s.next(m)) {
    got.emplace_back(m.raw_key, body.substr(m.value_begin, m.value_end - m.value_begin));
  }
  EXPECT_FALSE(s.failed());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"a", "1"}, {"b", "{\"a\":[2]}"}, {"c", "\"x\""}}));
}

TEST(JsonScan, TopLevelScannerFailsOnBrokenInput) {
  for (std::string_view body : {"", "[]", "{", R"({"a")", R"({"a":)", R"({"a":1 "b":2})",
                                R"({"a":[1})", R"({a:1})"}) {
    TopLevelScanner s(body);
    Member m;
    while (s.next(m)) {
    }
    EXPECT_TRUE(s.failed()) << body;
  }
  TopLevelScanner empty("{ }");
  Member m;
  EXPECT_FALSE(empty.next(m));
  EXPECT_FALSE(empty.failed());
}

}  // namespace
}  // namespace spillway::dialect::json_scan
