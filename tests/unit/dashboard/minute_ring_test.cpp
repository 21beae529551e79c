// The per-minute ring behind the live charts: counts land in their start minute, a day is kept
// and no more, and a window reads zeros where nothing was counted.
#include <gtest/gtest.h>

#include "dashboard/minute_ring.hpp"

namespace spillway::dashboard {
namespace {

TEST(MinuteRing, CountsLandInTheirMinuteAndTheWindowEndsAtTheGivenMinute) {
  MinuteRing ring(10);
  ring.at(100)->requests += 2;
  ring.at(102)->requests += 5;
  ring.at(100)->input_tokens += 7;
  const auto w = ring.window(103, 5);  // minutes 99..103
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(w[0].requests, 0);
  EXPECT_EQ(w[1].requests, 2);
  EXPECT_EQ(w[1].input_tokens, 7);
  EXPECT_EQ(w[2].requests, 0);
  EXPECT_EQ(w[3].requests, 5);
  EXPECT_EQ(w[4], MinuteCounts{});
}

TEST(MinuteRing, KeepsOnlyItsCapacityOfMinutes) {
  MinuteRing ring(10);
  ring.at(100)->requests = 1;
  ring.at(110)->requests = 3;  // the same slot as 100: minute 100 is gone
  EXPECT_EQ(ring.window(110, 11)[0].requests, 0);
  EXPECT_EQ(ring.window(110, 11)[10].requests, 3);
  // Older than the ring holds now: refused, and nothing else changes.
  EXPECT_EQ(ring.at(100), nullptr);
  EXPECT_EQ(ring.at(95), nullptr);
  EXPECT_NE(ring.at(101), nullptr);
  EXPECT_EQ(ring.window(110, 1)[0].requests, 3);
}

TEST(MinuteRing, AWindowLongerThanTheRingReadsZerosBeyondIt) {
  MinuteRing ring(4);
  for (std::int64_t m = 0; m < 8; ++m) {
    ring.at(m)->requests = m + 1;
  }
  const auto w = ring.window(7, 8);
  EXPECT_EQ(w[0].requests, 0);  // minute 0: overwritten by minute 4
  EXPECT_EQ(w[3].requests, 0);
  EXPECT_EQ(w[4].requests, 5);
  EXPECT_EQ(w[7].requests, 8);
}

TEST(MinuteRing, ALateRequestStillCountsInItsOwnMinute) {
  MinuteRing ring(60);
  ring.at(200)->requests = 1;
  ring.at(190)->requests += 1;  // started ten minutes ago, finished now
  const auto w = ring.window(200, 11);
  EXPECT_EQ(w[0].requests, 1);
  EXPECT_EQ(w[10].requests, 1);
}

TEST(MinuteRing, NegativeMinutesAreRefused) {
  MinuteRing ring(10);
  EXPECT_EQ(ring.at(-1), nullptr);
  EXPECT_EQ(ring.window(2, 5)[0], MinuteCounts{});
}

}  // namespace
}  // namespace spillway::dashboard
