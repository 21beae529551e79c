#include <gtest/gtest.h>

#include "audit/time_spec.hpp"

namespace spillway::audit {
namespace {

// From `date -u -d ... +%s`, not from the code under test.
constexpr std::int64_t march_1 = 1772323200LL * 1000;          // 2026-03-01T00:00:00Z
constexpr std::int64_t march_1_1405 = 1772373900LL * 1000;     // 2026-03-01T14:05:00Z
constexpr std::int64_t leap_day = 1709164800LL * 1000;         // 2024-02-29T00:00:00Z
constexpr std::int64_t now = 1772373600LL * 1000;              // 2026-03-01T14:00:00Z

TEST(TimeSpec, AbsoluteTimesAreUtcUnlessAnOffsetIsGiven) {
  EXPECT_EQ(parse_time_spec("2026-03-01", now), march_1);
  EXPECT_EQ(parse_time_spec("2026-03-01T14:05", now), march_1_1405);
  EXPECT_EQ(parse_time_spec("2026-03-01T14:05Z", now), march_1_1405);
  EXPECT_EQ(parse_time_spec("2026-03-01 14:05:00", now), march_1_1405);
  EXPECT_EQ(parse_time_spec("2026-03-01T14:05:30.25Z", now), march_1_1405 + 30'250);
  EXPECT_EQ(parse_time_spec("2026-03-01T16:05:00+02:00", now), march_1_1405);
  EXPECT_EQ(parse_time_spec("2026-03-01T09:35:00-04:30", now), march_1_1405);
  EXPECT_EQ(parse_time_spec("2024-02-29", now), leap_day);
}

TEST(TimeSpec, RelativeTimesCountBackFromNow) {
  EXPECT_EQ(parse_time_spec("90m", now), now - 90 * 60'000);
  EXPECT_EQ(parse_time_spec("2h", now), now - 2 * 3'600'000);
  EXPECT_EQ(parse_time_spec("7d", now), now - 7 * 86'400'000LL);
  EXPECT_EQ(parse_time_spec("1w", now), now - 7 * 86'400'000LL);
  EXPECT_EQ(parse_time_spec("now", now), now);
}

TEST(TimeSpec, BadTimesAreRefusedWithTheReason) {
  for (const char* bad : {"", "yesterday", "5x", "m", "-5m", "2026-02-30", "2026-13-01", "2026-3-1",
                          "2026-03-01T25:00", "2026-03-01T14", "2026-03-01T14:05:61", "2026-03-01T14:05+0200",
                          "2026-03-01T14:05Zjunk", "2025-02-29"}) {
    EXPECT_THROW(parse_time_spec(bad, now), std::invalid_argument) << bad;
  }
  try {
    parse_time_spec("2026-02-30", now);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no such date"), std::string::npos) << e.what();
  }
}

TEST(TimeSpec, Formats) {
  EXPECT_EQ(format_rfc3339(march_1_1405 + 30'250), "2026-03-01T14:05:30Z");
  EXPECT_EQ(format_utc_minute(march_1_1405), "2026-03-01 14:05 UTC");
  EXPECT_EQ(format_utc_minute(march_1_1405 + 30'000), "2026-03-01 14:05:30 UTC");
}

}  // namespace
}  // namespace spillway::audit
