#include "sim/rate_limits.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace spillway::sim {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimits::clock;

// A fixed origin: the buckets only ever see the instants a test passes in.
const Clock::time_point t0 = Clock::time_point{} + 1000h;

int admit_all(RateLimits& limits, std::int64_t input_tokens, Clock::time_point now, int at_most) {
  int admitted = 0;
  while (admitted < at_most && limits.admit(input_tokens, now).admitted) {
    ++admitted;
  }
  return admitted;
}

TEST(RateLimits, StartsFullAndHoldsExactlyTheLimit) {
  RateLimits limits(5, 0, 0, t0);
  EXPECT_EQ(admit_all(limits, 0, t0, 100), 5);
}

TEST(RateLimits, CapacityIsTheLimitEvenAfterALongIdle) {
  RateLimits limits(5, 0, 0, t0);
  EXPECT_EQ(admit_all(limits, 0, t0, 100), 5);
  // An hour of refill at 5/60 per second would be 300 requests; the bucket caps at 5.
  EXPECT_EQ(admit_all(limits, 0, t0 + 1h, 100), 5);
}

TEST(RateLimits, RefillsContinuouslyAtLimitOverSixtyPerSecond) {
  RateLimits limits(120, 0, 0, t0);  // 2 requests per second
  ASSERT_EQ(admit_all(limits, 0, t0, 1000), 120);
  // Half a token after 250 ms: still refused. One token after 500 ms: exactly one admitted.
  EXPECT_FALSE(limits.admit(0, t0 + 250ms).admitted);
  EXPECT_TRUE(limits.admit(0, t0 + 500ms).admitted);
  EXPECT_FALSE(limits.admit(0, t0 + 500ms).admitted);
  // Three more seconds: six more requests, not a whole minute's worth.
  EXPECT_EQ(admit_all(limits, 0, t0 + 3500ms, 1000), 6);
}

TEST(RateLimits, RefusalNamesTheRequestLimitAndRoundsRetryAfterUp) {
  RateLimits limits(60, 0, 0, t0);  // one per second
  ASSERT_EQ(admit_all(limits, 0, t0, 1000), 60);
  const auto d = limits.admit(0, t0 + 100ms);  // 0.9 s short
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.limit_name, "requests");
  EXPECT_EQ(d.limit, 60);
  EXPECT_EQ(d.retry_after_s, 1);
  EXPECT_FALSE(d.never_fits);
}

TEST(RateLimits, InputTokenRetryAfterIsTheCeilingOfTheWait) {
  RateLimits limits(0, 600, 0, t0);  // 10 input tokens per second
  ASSERT_TRUE(limits.admit(600, t0).admitted);
  const auto d = limits.admit(25, t0);  // 2.5 s of refill needed
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.limit_name, "input tokens");
  EXPECT_EQ(d.limit, 600);
  EXPECT_EQ(d.retry_after_s, 3);
  EXPECT_FALSE(limits.admit(25, t0 + 2400ms).admitted);
  EXPECT_TRUE(limits.admit(25, t0 + 2500ms).admitted);
  // 2.2 s short: still 3, never rounded down.
  EXPECT_EQ(limits.admit(22, t0 + 2500ms).retry_after_s, 3);
}

TEST(RateLimits, RetryAfterCoversTheSlowestShortDimension) {
  RateLimits limits(60, 600, 0, t0);
  ASSERT_TRUE(limits.admit(600, t0).admitted);
  ASSERT_EQ(admit_all(limits, 0, t0, 1000), 59);
  // Requests need 1 s, input tokens need 5 s: the first short dimension is reported, the
  // wait is the longest.
  const auto d = limits.admit(50, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.limit_name, "requests");
  EXPECT_EQ(d.retry_after_s, 5);
}

TEST(RateLimits, RefusalIsAllOrNothing) {
  RateLimits limits(2, 100, 0, t0);
  ASSERT_TRUE(limits.admit(60, t0).admitted);
  // 40 input tokens left: refused on input, and the request bucket must not be charged.
  const auto d = limits.admit(60, t0);
  ASSERT_FALSE(d.admitted);
  EXPECT_EQ(d.limit_name, "input tokens");
  EXPECT_TRUE(limits.admit(40, t0).admitted);
  // Now both buckets are empty and the request limit is the first to refuse.
  EXPECT_EQ(limits.admit(0, t0).limit_name, "requests");
}

TEST(RateLimits, RequestLargerThanTheBucketNeverFits) {
  RateLimits limits(0, 100, 0, t0);
  const auto d = limits.admit(101, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_TRUE(d.never_fits);
  EXPECT_EQ(d.retry_after_s, 60);
  EXPECT_EQ(d.limit, 100);
  // Nothing was taken.
  EXPECT_TRUE(limits.admit(100, t0).admitted);
}

TEST(RateLimits, OutputTokensGoNegativeThenBlockUntilRefilled) {
  RateLimits limits(0, 0, 60, t0);  // one output token per second
  ASSERT_TRUE(limits.admit(0, t0).admitted);
  limits.spend_output(100, t0);  // level -40
  const auto d = limits.admit(0, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.limit_name, "output tokens");
  EXPECT_EQ(d.limit, 60);
  EXPECT_EQ(d.retry_after_s, 41);  // from -40 to 1
  EXPECT_FALSE(limits.admit(0, t0 + 40500ms).admitted);
  EXPECT_TRUE(limits.admit(0, t0 + 41s).admitted);
}

TEST(RateLimits, OutputTokensAreNotReservedAtAdmission) {
  RateLimits limits(0, 0, 10, t0);
  // Admission does not take output tokens: any number of requests pass while the bucket
  // holds at least one.
  EXPECT_EQ(admit_all(limits, 0, t0, 50), 50);
  limits.spend_output(9, t0);
  EXPECT_TRUE(limits.admit(0, t0).admitted);
  limits.spend_output(1, t0);
  EXPECT_FALSE(limits.admit(0, t0).admitted);
}

TEST(RateLimits, ZeroMeansUnlimited) {
  RateLimits none(0, 0, 0, t0);
  EXPECT_FALSE(none.any());
  EXPECT_EQ(admit_all(none, 1'000'000, t0, 1000), 1000);
  none.spend_output(1'000'000, t0);
  EXPECT_TRUE(none.admit(1'000'000, t0).admitted);

  // Only the limited dimension counts.
  RateLimits requests_only(3, 0, 0, t0);
  EXPECT_TRUE(requests_only.any());
  EXPECT_EQ(admit_all(requests_only, 1'000'000, t0, 1000), 3);
  RateLimits output_only(0, 0, 60, t0);
  EXPECT_TRUE(output_only.any());
  EXPECT_EQ(admit_all(output_only, 1'000'000, t0, 1000), 1000);
}

TEST(RateLimits, AClockGoingBackwardsRefillsNothing) {
  RateLimits limits(60, 0, 0, t0 + 10s);
  ASSERT_EQ(admit_all(limits, 0, t0 + 10s, 1000), 60);
  EXPECT_FALSE(limits.admit(0, t0).admitted);
  EXPECT_FALSE(limits.admit(0, t0 + 10s).admitted);
  EXPECT_TRUE(limits.admit(0, t0 + 11s).admitted);
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

TEST(RateLimits, ATimeScaleRefillsFasterAndHoldsTheSame) {
  RateLimits limits(120, 60000, 0, t0, 10);  // 2 requests a second of simulated time; 20 of real time
  ASSERT_EQ(admit_all(limits, 0, t0, 1000), 120) << "the bucket holds one minute's limit, as without a scale";
  EXPECT_FALSE(limits.admit(0, t0 + 40ms).admitted);
  EXPECT_TRUE(limits.admit(0, t0 + 50ms).admitted);
  EXPECT_EQ(admit_all(limits, 0, t0 + 1h, 1000), 120);
  // A request bigger than the bucket is told to come back in a (scaled) minute.
  RateLimits big(0, 1000, 0, t0, 10);
  const auto d = big.admit(2000, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_TRUE(d.never_fits);
  EXPECT_EQ(d.retry_after_s, 6);
}

}  // namespace
}  // namespace spillway::sim
