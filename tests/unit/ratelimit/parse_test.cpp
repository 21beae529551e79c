#include <gtest/gtest.h>

#include "ratelimit/limiter.hpp"

namespace spillway::ratelimit {
namespace {

TEST(ParseGoDuration, ReadsOpenAIResetValues) {
  struct Case {
    const char* text;
    std::int64_t ms;
  };
  for (const Case& c : {
           Case{"1s", 1000},
           Case{"6m0s", 360'000},
           Case{"12ms", 12},
           Case{"1h2m3s", 3'723'000},
           Case{"1.5s", 1500},
           Case{"0.1s", 100},  // summed in integer nanoseconds: no 99.999...
           Case{".5s", 500},
           Case{"1.s", 1000},
           Case{"20.001s", 20'001},
           Case{"0", 0},
           Case{"0s", 0},
           Case{"2m30.5s", 150'500},
           Case{"1500ms", 1500},
           Case{"500us", 1},         // rounded up: a reset is never waited out short
           Case{"1\xC2\xB5s", 1},    // µs
           Case{"2ns", 1},
           Case{"1000000ns", 1},
           Case{"1000001ns", 2},
           Case{"1h", 3'600'000},
       }) {
    auto got = parse_go_duration(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(got->count(), c.ms) << c.text;
  }
}

TEST(ParseGoDuration, RejectsMalformed) {
  for (const char* text : {"", "1", "s", "1x", "-1s", "+1s", "1s ", " 1s", "1.5", ".s", "1..5s", "1.5.s",
                           "ms", "1sm", "1 s", "abc", "9999999999999999999h", "3000000h",
                           "2562047h47m17s", "1S", "1d"}) {
    EXPECT_FALSE(parse_go_duration(text).has_value()) << text;
  }
}

TEST(ParseRfc3339, ReadsAnthropicResetValues) {
  EXPECT_EQ(parse_rfc3339("2025-01-12T23:11:59Z"), 1736723519.0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800.0);  // leap day
  EXPECT_EQ(parse_rfc3339("2025-01-12t23:11:59z"), 1736723519.0);  // RFC 3339 allows lower case
  EXPECT_EQ(parse_rfc3339("2025-01-13T00:11:59+01:00"), 1736723519.0);
  EXPECT_EQ(parse_rfc3339("2025-01-12T18:41:59-04:30"), 1736723519.0);
  EXPECT_EQ(parse_rfc3339("2025-01-12T23:11:59+00:00"), 1736723519.0);
  auto fractional = parse_rfc3339("2025-01-12T23:11:59.25Z");
  ASSERT_TRUE(fractional.has_value());
  EXPECT_DOUBLE_EQ(*fractional, 1736723519.25);
  auto many_digits = parse_rfc3339("2025-01-12T23:11:59.123456789Z");
  ASSERT_TRUE(many_digits.has_value());
  EXPECT_NEAR(*many_digits, 1736723519.123456789, 1e-6);
}

TEST(ParseRfc3339, RejectsMalformed) {
  for (const char* text : {"", "2025-01-12", "2025-01-12T23:11:59", "2025-01-12T23:11Z",
                           "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z", "2025-02-29T00:00:00Z",
                           "2025-04-31T00:00:00Z", "2025-01-12T24:00:00Z", "2025-01-12T23:60:00Z",
                           "2025-01-12T23:11:61Z", "2025-01-12 23:11:59Z", "2025-01-12T23:11:59.Z",
                           "2025-01-12T23:11:59Zjunk", "2025-01-12T23:11:59+0100", "2025-01-12T23:11:59+24:00",
                           "25-01-12T23:11:59Z", "2025-1-12T23:11:59Z", "Sun, 12 Jan 2025 23:11:59 GMT",
                           "6m0s", "1736723519"}) {
    EXPECT_FALSE(parse_rfc3339(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace spillway::ratelimit
