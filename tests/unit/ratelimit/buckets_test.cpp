// Admission, refill, settle and release against an explicit clock.
#include <gtest/gtest.h>

#include "ratelimit/limiter.hpp"

namespace spillway::ratelimit {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

Limits limits_rpm(std::int64_t rpm) {
  Limits l;
  l.rpm = rpm;
  return l;
}

Limits limits_itpm(std::int64_t itpm) {
  Limits l;
  l.itpm = itpm;
  return l;
}

Demand input(std::int64_t tokens, std::int64_t max_output = 0) { return {tokens, max_output}; }

Ticket admit_or_fail(KeyBuckets& b, const Demand& d, Clock::time_point now) {
  Admission a = b.try_admit(d, now);
  EXPECT_TRUE(a.ticket.has_value()) << "refused: " << a.reason;
  return a.ticket.value_or(Ticket{});
}

TEST(KeyBuckets, StartsFullAndRefillsContinuously) {
  KeyBuckets b(limits_rpm(60), {}, t0);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(b.try_admit(input(0), t0).ticket) << i;
  }
  Admission refused = b.try_admit(input(0), t0);
  EXPECT_FALSE(refused.ticket);
  EXPECT_EQ(refused.reason, "requests");
  EXPECT_EQ(refused.retry_at, t0 + 1s);  // 60/min refills one a second, not 60 at the minute

  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 30s).requests_available, 30.0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 500ms).requests_available, 0.5);
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 10min).requests_available, 60.0);  // never above the limit
}

TEST(KeyBuckets, AdmitsExactlyAtRetryAtAndNotAMillisecondBefore) {
  // Awkward numbers so the wait is not a whole number of anything: 3 tokens at 7/min.
  KeyBuckets b(limits_itpm(7), {}, t0);
  admit_or_fail(b, input(7), t0);
  Admission refused = b.try_admit(input(3), t0);
  ASSERT_FALSE(refused.ticket);
  EXPECT_EQ(refused.reason, "input tokens");
  auto expected = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(3.0 * 60 / 7));
  EXPECT_LE(refused.retry_at - expected, 2ns);
  EXPECT_GE(refused.retry_at - expected, -2ns);
  EXPECT_FALSE(b.try_admit(input(3), refused.retry_at - 1ms).ticket);
  EXPECT_TRUE(b.try_admit(input(3), refused.retry_at).ticket);
}

TEST(KeyBuckets, RetryAtHoldsWhenTheRefillIsComputedInManySteps) {
  // Every call refills from the previous one; the rounding of a thousand small steps must not
  // leave the bucket a hair short at retry_at.
  KeyBuckets b(limits_itpm(7), {}, t0);
  admit_or_fail(b, input(7), t0);
  Admission first = b.try_admit(input(7), t0);
  ASSERT_FALSE(first.ticket);
  Clock::duration step = (first.retry_at - t0) / 1000;
  for (int i = 1; i < 1000; ++i) {
    Admission a = b.try_admit(input(7), t0 + step * i + std::chrono::nanoseconds{i % 7});
    ASSERT_FALSE(a.ticket) << i;
    EXPECT_LE(a.retry_at - first.retry_at, 1ns);
    EXPECT_GE(a.retry_at - first.retry_at, -1ns);
  }
  EXPECT_TRUE(b.try_admit(input(7), first.retry_at).ticket);
}

TEST(KeyBuckets, RetryAtIsExactForEveryDimension) {
  struct Case {
    Limits limits;
    Policy policy;
    Demand demand;
    std::string_view reason;
  };
  Limits output;
  output.otpm = 8000;
  Limits combined;
  combined.tpm = 90'000;
  for (const Case& c : {
           Case{limits_rpm(50), {}, input(0), "requests"},
           Case{limits_itpm(30'000), {}, input(12'345), "input tokens"},
           Case{output, {OutputReservation::max_tokens, CacheReads::free, false}, input(0, 3'333), "output tokens"},
           Case{combined, openai_policy(), input(40'000, 7'777), "tokens"},
       }) {
    KeyBuckets b(c.limits, c.policy, t0);
    Clock::time_point now = t0;
    Admission a;
    int admitted = 0;
    while ((a = b.try_admit(c.demand, now)).ticket) {
      ASSERT_LT(++admitted, 100) << c.reason;
    }
    EXPECT_EQ(a.reason, c.reason);
    EXPECT_GT(a.retry_at, now);
    EXPECT_FALSE(b.try_admit(c.demand, a.retry_at - 1ms).ticket) << c.reason;
    EXPECT_TRUE(b.try_admit(c.demand, a.retry_at).ticket) << c.reason;
  }
}

TEST(KeyBuckets, RetryAtWaitsForTheSlowestDimension) {
  Limits l;
  l.rpm = 2;      // one request back every 30 s
  l.itpm = 120;   // two tokens a second
  KeyBuckets b(l, {}, t0);
  admit_or_fail(b, input(60), t0);
  admit_or_fail(b, input(60), t0);
  // Requests need 30 s, input tokens 60 s: the answer is the later, and names it.
  Admission a = b.try_admit(input(120), t0);
  EXPECT_EQ(a.reason, "input tokens");
  EXPECT_EQ(a.retry_at, t0 + 60s);
  // A small request is held by the request bucket instead.
  Admission small = b.try_admit(input(1), t0);
  EXPECT_EQ(small.reason, "requests");
  EXPECT_EQ(small.retry_at, t0 + 30s);
}

TEST(KeyBuckets, RequestLargerThanTheBucketIsAdmittedWhenFull) {
  KeyBuckets b(limits_itpm(30'000), {}, t0);
  admit_or_fail(b, input(100'000), t0);  // would otherwise wait forever
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, -70'000.0);
  // The next one waits until the debt is paid: 70,001 tokens at 500/s.
  Admission small = b.try_admit(input(1), t0);
  EXPECT_EQ(small.reason, "input tokens");
  EXPECT_EQ(small.retry_at, t0 + 140'002ms);
  // Another big one waits until the bucket is full again: 100,000 tokens at 500/s.
  Admission big = b.try_admit(input(100'000), t0);
  EXPECT_EQ(big.retry_at, t0 + 200s);
  EXPECT_FALSE(b.try_admit(input(100'000), t0 + 200s - 1ms).ticket);
  EXPECT_TRUE(b.try_admit(input(100'000), t0 + 200s).ticket);
}

TEST(KeyBuckets, SettleReturnsOverEstimateCacheReadsFree) {
  KeyBuckets b(limits_itpm(30'000), anthropic_policy(), t0);
  Ticket t = admit_or_fail(b, input(20'000), t0);
  EXPECT_EQ(t.input_tokens, 20'000);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 10'000.0);
  b.settle(t, Usage{2'000, 10, 15'000, 1'000}, t0);  // cache reads free: 3,000 counted
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 27'000.0);
}

TEST(KeyBuckets, SettleCountsCacheReadsWhenThePolicySaysSo) {
  KeyBuckets b(limits_itpm(30'000), {OutputReservation::generated, CacheReads::counted, false}, t0);
  Ticket t = admit_or_fail(b, input(20'000), t0);
  b.settle(t, Usage{2'000, 10, 15'000, 1'000}, t0);  // 18,000 counted
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 12'000.0);
}

TEST(KeyBuckets, SettleChargesMoreWhenTheEstimateWasLowAndMayGoNegative) {
  KeyBuckets b(limits_itpm(30'000), {}, t0);
  Ticket low = admit_or_fail(b, input(1'000), t0);
  b.settle(low, Usage{5'000, 0, 0, 0}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 25'000.0);

  Ticket t = admit_or_fail(b, input(25'000), t0);
  b.settle(t, Usage{35'000, 0, 0, 0}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, -10'000.0);
  Admission a = b.try_admit(input(1), t0);
  EXPECT_EQ(a.reason, "input tokens");
  EXPECT_EQ(a.retry_at, t0 + 20'002ms);  // 10,001 tokens at 500/s
}

TEST(KeyBuckets, SettleNeverFillsABucketPastItsLimit) {
  KeyBuckets b(limits_itpm(30'000), {}, t0);
  Ticket t = admit_or_fail(b, input(20'000), t0);
  b.settle(t, Usage{0, 0, 0, 0}, t0 + 1min);  // refilled meanwhile, then 20,000 given back
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 1min).input_available, 30'000.0);
}

TEST(KeyBuckets, MaxTokensPolicyReservesOutputAndSettlesTheRest) {
  Limits l;
  l.otpm = 8'000;
  KeyBuckets b(l, {OutputReservation::max_tokens, CacheReads::free, false}, t0);
  Ticket t = admit_or_fail(b, input(100, 4'000), t0);
  EXPECT_EQ(t.output_tokens, 4'000);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 4'000.0);
  Admission a = b.try_admit(input(100, 6'000), t0);
  EXPECT_EQ(a.reason, "output tokens");
  EXPECT_EQ(a.retry_at, t0 + 15s);  // 2,000 tokens at 133.3/s
  b.settle(t, Usage{100, 500, 0, 0}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 7'500.0);
  EXPECT_TRUE(b.try_admit(input(100, 6'000), t0).ticket);
}

TEST(KeyBuckets, GeneratedPolicyReservesNothingButRefusesWhileOutputIsSpent) {
  Limits l;
  l.otpm = 8'000;
  KeyBuckets b(l, anthropic_policy(), t0);
  // Claude Code's 128,000 max_tokens reserves nothing under this policy.
  Ticket a = admit_or_fail(b, input(100, 128'000), t0);
  Ticket c = admit_or_fail(b, input(100, 128'000), t0);
  EXPECT_EQ(a.output_tokens, 0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 8'000.0);
  b.settle(a, Usage{100, 6'000, 0, 0}, t0);
  b.settle(c, Usage{100, 3'000, 0, 0}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, -1'000.0);
  Admission refused = b.try_admit(input(100, 128'000), t0);
  EXPECT_EQ(refused.reason, "output tokens");
  EXPECT_EQ(refused.retry_at, t0 + 7'507'500us);  // back to one token: 1,001 at 133.3/s
  EXPECT_TRUE(b.try_admit(input(100, 128'000), refused.retry_at).ticket);
}

TEST(KeyBuckets, CombinedTokenBucketCountsInputAndOutputTogether) {
  Limits l;
  l.tpm = 10'000;
  KeyBuckets b(l, openai_policy(), t0);
  Ticket t = admit_or_fail(b, input(3'000, 2'000), t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).tokens_available, 5'000.0);
  // Cache reads count (OpenAI), output settles to what was generated.
  b.settle(t, Usage{1'000, 700, 500, 0}, t0);
  Snapshot s = b.snapshot(t0);
  EXPECT_DOUBLE_EQ(s.tokens_available, 7'800.0);
  EXPECT_DOUBLE_EQ(s.input_available, 0.0);  // no separate input/output limits known
  EXPECT_DOUBLE_EQ(s.output_available, 0.0);
}

TEST(KeyBuckets, CombinedLimitIgnoredWithoutTheCombinedPolicy) {
  Limits l;
  l.tpm = 10;  // Anthropic's "most restrictive" token figure: not a bucket of its own
  KeyBuckets b(l, anthropic_policy(), t0);
  EXPECT_TRUE(b.try_admit(input(1'000), t0).ticket);
  EXPECT_EQ(b.snapshot(t0).effective.tpm, 10);
}

TEST(KeyBuckets, ReleaseGivesEverythingBack) {
  Limits l;
  l.rpm = 10;
  l.itpm = 1'000;
  l.otpm = 500;
  KeyBuckets b(l, {OutputReservation::max_tokens, CacheReads::free, false}, t0);
  Ticket t = admit_or_fail(b, input(400, 300), t0);
  Snapshot held = b.snapshot(t0);
  EXPECT_DOUBLE_EQ(held.requests_available, 9.0);
  EXPECT_DOUBLE_EQ(held.input_available, 600.0);
  EXPECT_DOUBLE_EQ(held.output_available, 200.0);
  EXPECT_EQ(held.in_flight, 1);
  b.release(t, t0);
  Snapshot s = b.snapshot(t0);
  EXPECT_DOUBLE_EQ(s.requests_available, 10.0);
  EXPECT_DOUBLE_EQ(s.input_available, 1'000.0);
  EXPECT_DOUBLE_EQ(s.output_available, 500.0);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.released, 1);
  EXPECT_EQ(s.settled, 0);
}

TEST(KeyBuckets, SettleKeepsTheRequestCharged) {
  KeyBuckets b(limits_rpm(10), {}, t0);
  Ticket t = admit_or_fail(b, input(0), t0);
  b.settle(t, Usage{}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).requests_available, 9.0);
}

TEST(KeyBuckets, ConcurrencyCapFreesOnlyOnSettleOrRelease) {
  Limits l;
  l.max_concurrency = 2;
  KeyBuckets b(l, {}, t0);
  Ticket first = admit_or_fail(b, input(10), t0);
  Ticket second = admit_or_fail(b, input(10), t0);
  Admission a = b.try_admit(input(10), t0 + 1h);  // time alone frees nothing
  EXPECT_EQ(a.reason, "concurrency");
  EXPECT_EQ(a.retry_at, t0 + 1h + kRecheckInterval);
  b.release(first, t0 + 1h);
  Ticket third = admit_or_fail(b, input(10), t0 + 1h);
  EXPECT_EQ(b.try_admit(input(10), t0 + 1h).reason, "concurrency");
  b.settle(second, Usage{}, t0 + 1h);
  EXPECT_TRUE(b.try_admit(input(10), t0 + 1h).ticket);
  EXPECT_EQ(b.snapshot(t0 + 1h).in_flight, 2);
  (void)third;
}

TEST(KeyBuckets, CoolDownRefusesUntilItEndsAndKeepsTheLongest) {
  KeyBuckets b(limits_rpm(600), {}, t0);
  b.cool_down(t0 + 10min, "credit balance too low");
  b.cool_down(t0 + 1s, "shorter");  // does not shorten the first
  Admission a = b.try_admit(input(1), t0);
  EXPECT_EQ(a.reason, "cooling down");
  EXPECT_EQ(a.retry_at, t0 + 10min);
  Snapshot s = b.snapshot(t0);
  ASSERT_TRUE(s.cooling_until);
  EXPECT_EQ(*s.cooling_until, t0 + 10min);
  EXPECT_EQ(s.cooling_reason, "credit balance too low");
  EXPECT_FALSE(b.try_admit(input(1), t0 + 10min - 1ms).ticket);
  EXPECT_TRUE(b.try_admit(input(1), t0 + 10min).ticket);
  Snapshot after = b.snapshot(t0 + 10min);
  EXPECT_FALSE(after.cooling_until);
  EXPECT_EQ(after.cooling_reason, "");
}

TEST(KeyBuckets, ABucketThatRefillsAfterACoolDownBindsInstead) {
  KeyBuckets b(limits_rpm(2), {}, t0);
  admit_or_fail(b, input(0), t0);
  admit_or_fail(b, input(0), t0);
  b.cool_down(t0 + 1s, "upstream 429");
  Admission a = b.try_admit(input(0), t0);
  EXPECT_EQ(a.reason, "requests");
  EXPECT_EQ(a.retry_at, t0 + 30s);
}

TEST(KeyBuckets, CountsDecisions) {
  KeyBuckets b(limits_rpm(2), {}, t0);
  Ticket x = admit_or_fail(b, input(0), t0);
  Ticket y = admit_or_fail(b, input(0), t0);
  EXPECT_FALSE(b.try_admit(input(0), t0).ticket);
  EXPECT_FALSE(b.try_admit(input(0), t0).ticket);
  b.settle(x, Usage{}, t0);
  b.release(y, t0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(s.admitted, 2);
  EXPECT_EQ(s.refused, 2);
  EXPECT_EQ(s.settled, 1);
  EXPECT_EQ(s.released, 1);
  EXPECT_EQ(s.in_flight, 0);
}

TEST(KeyBuckets, OutOfOrderClockNeverRefillsBackwards) {
  KeyBuckets b(limits_rpm(60), {}, t0);
  for (int i = 0; i < 60; ++i) {
    admit_or_fail(b, input(0), t0 + 10s);
  }
  // A worker that read the clock before another took the lock arrives with an older time.
  Admission late = b.try_admit(input(0), t0 + 9s);
  EXPECT_FALSE(late.ticket);
  EXPECT_EQ(late.retry_at, t0 + 11s);  // from the newest time seen, not before it
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 10s).requests_available, 0.0);
}

}  // namespace
}  // namespace spillway::ratelimit

namespace spillway::ratelimit {
namespace {

// A reload's new limits apply to the live buckets: what was used stays used.
TEST(KeyBucketsRedeclare, KeepsWhatWasUsedWhenTheLimitMoves) {
  KeyBuckets b(limits_rpm(4), {}, t0);
  for (int i = 0; i < 3; ++i) {
    admit_or_fail(b, input(0), t0);
  }
  b.redeclare(limits_rpm(6), {}, t0);
  auto s = b.snapshot(t0);
  EXPECT_EQ(s.effective.rpm, 6);
  EXPECT_DOUBLE_EQ(s.requests_available, 3.0);  // 1 left of 4, plus the 2 the new limit adds
  EXPECT_EQ(s.in_flight, 3);

  b.redeclare(limits_rpm(2), {}, t0);  // lowered below what is in use: nothing more now
  EXPECT_DOUBLE_EQ(b.snapshot(t0).requests_available, -1.0);
  EXPECT_FALSE(b.try_admit(input(0), t0).ticket);
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 60s).requests_available, 1.0);  // refills at the new rate
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 120s).requests_available, 2.0);  // up to the new limit
}

TEST(KeyBucketsRedeclare, AddsAndRemovesBuckets) {
  KeyBuckets b(limits_rpm(10), {}, t0);
  admit_or_fail(b, input(500), t0);
  Limits both = limits_rpm(10);
  both.itpm = 1000;
  b.redeclare(both, {}, t0);  // a new bucket starts full, less what is in flight
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 500.0);
  b.redeclare(limits_rpm(10), {}, t0);
  EXPECT_EQ(b.snapshot(t0).effective.itpm, 0);
  EXPECT_TRUE(b.try_admit(input(5000), t0).ticket);  // no input limit any more
}

}  // namespace
}  // namespace spillway::ratelimit
