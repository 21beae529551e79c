// Learning limits and levels from the providers' rate-limit headers, and 429 cool-downs.
#include <gtest/gtest.h>

#include "ratelimit/limiter.hpp"

namespace spillway::ratelimit {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point{} + 1000s;
// The wall-clock time matching t0 in these tests: 7 s before Anthropic's example reset.
const WallClock::time_point wall0 = WallClock::time_point{} + 1736723519s - 7s;

// A response's headers as the Anthropic Messages API sends them (PROTOCOLS.md 1.9).
HeaderView anthropic_headers() {
  HeaderView h;
  h.requests_limit = "50";
  h.requests_remaining = "49";
  h.requests_reset = "2025-01-12T23:11:59Z";
  h.input_limit = "30000";
  h.input_remaining = "27000";
  h.input_reset = "2025-01-12T23:11:59Z";
  h.output_limit = "8000";
  h.output_remaining = "8000";
  h.output_reset = "2025-01-12T23:11:53Z";
  h.tokens_limit = "38000";
  h.tokens_remaining = "35000";
  h.tokens_reset = "2025-01-12T23:11:59Z";
  return h;
}

// The same from OpenAI (PROTOCOLS.md 2.5).
HeaderView openai_headers() {
  HeaderView h;
  h.requests_limit = "60";
  h.requests_remaining = "59";
  h.requests_reset = "1s";
  h.tokens_limit = "150000";
  h.tokens_remaining = "149984";
  h.tokens_reset = "6m0s";
  return h;
}

TEST(Observe, LearnsAnthropicLimitsAndAssumesTheLowestRoundedRemaining) {
  KeyBuckets b({}, anthropic_policy(), t0);
  EXPECT_EQ(b.snapshot(t0).slow_start_window, kSlowStartInitialWindow);
  b.observe(anthropic_headers(), false, t0, wall0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(s.learnt.rpm, 50);
  EXPECT_EQ(s.learnt.itpm, 30'000);
  EXPECT_EQ(s.learnt.otpm, 8'000);
  EXPECT_EQ(s.learnt.tpm, 38'000);
  EXPECT_EQ(s.effective.rpm, 50);
  EXPECT_EQ(s.effective.itpm, 30'000);
  EXPECT_EQ(s.slow_start_window, 0);  // real limits known: the window no longer applies
  EXPECT_DOUBLE_EQ(s.requests_available, 49.0);  // requests are exact
  EXPECT_DOUBLE_EQ(s.input_available, 26'500.0);   // "27000" may be 26,500
  EXPECT_DOUBLE_EQ(s.output_available, 7'500.0);
  EXPECT_DOUBLE_EQ(s.tokens_available, 0.0);  // not a bucket under Anthropic's policy
  EXPECT_FALSE(s.cooling_until);
  EXPECT_EQ(s.upstream_429s, 0);
}

TEST(Observe, LearnsOpenAILimitsWithExactRemaining) {
  KeyBuckets b({}, openai_policy(), t0);
  b.observe(openai_headers(), false, t0, wall0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(s.effective.rpm, 60);
  EXPECT_EQ(s.effective.tpm, 150'000);
  EXPECT_EQ(s.effective.itpm, 0);
  EXPECT_DOUBLE_EQ(s.requests_available, 59.0);
  EXPECT_DOUBLE_EQ(s.tokens_available, 149'984.0);  // OpenAI does not round
  // The learnt TPM is a bucket now: a request over what remains waits for it.
  Admission a = b.try_admit({149'000, 4'096}, t0);
  EXPECT_EQ(a.reason, "tokens");
}

TEST(Observe, DeclaredLimitsWinOverLearntOnes) {
  Limits declared;
  declared.itpm = 20'000;  // the operator keeps some of the key for something else
  KeyBuckets b(declared, anthropic_policy(), t0);
  b.observe(anthropic_headers(), false, t0, wall0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(s.declared.itpm, 20'000);
  EXPECT_EQ(s.learnt.itpm, 30'000);
  EXPECT_EQ(s.effective.itpm, 20'000);
  EXPECT_EQ(s.effective.rpm, 50);  // not declared: learnt
  EXPECT_DOUBLE_EQ(s.input_available, 20'000.0);  // the provider's 26,500 is no reason to go higher
}

TEST(Observe, IgnoresNonsenseLimits) {
  KeyBuckets b({}, openai_policy(), t0);
  HeaderView h;
  h.requests_limit = "-1";  // Azure
  h.tokens_limit = "0";
  h.input_limit = "lots";
  h.output_limit = "99999999999999999999999";
  h.requests_remaining = "-1";
  b.observe(h, false, t0, wall0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(s.learnt.rpm, 0);
  EXPECT_EQ(s.learnt.tpm, 0);
  EXPECT_EQ(s.learnt.itpm, 0);
  EXPECT_EQ(s.learnt.otpm, 0);
  EXPECT_EQ(s.slow_start_window, kSlowStartInitialWindow);
}

TEST(Observe, RemainingOnlyEverLowersTheModel) {
  Limits declared;
  declared.itpm = 30'000;
  KeyBuckets b(declared, anthropic_policy(), t0);
  ASSERT_TRUE(b.try_admit({20'000, 0}, t0).ticket);
  HeaderView higher;
  higher.input_remaining = "25000";  // stale, or the provider has not counted ours yet
  b.observe(higher, false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 10'000.0);
  HeaderView lower;
  lower.input_remaining = "3000";  // someone else spends from the same key
  b.observe(lower, false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).input_available, 2'500.0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0 + 1s).input_available, 3'000.0);  // and refills from there
}

TEST(Observe, RoundedZeroRemainingIsNotTakenBelowZero) {
  Limits declared;
  declared.otpm = 8'000;
  KeyBuckets b(declared, anthropic_policy(), t0);
  HeaderView h;
  h.output_remaining = "0";
  b.observe(h, false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 0.0);
}

TEST(Observe, AnthropicCombinedRemainingIsRoundedToo) {
  Limits declared;
  declared.tpm = 38'000;
  Policy policy = anthropic_policy();
  policy.tokens_combined = true;  // an operator who wants Anthropic's combined figure enforced
  KeyBuckets b(declared, policy, t0);
  b.observe(anthropic_headers(), false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).tokens_available, 34'500.0);
}

TEST(Observe, AHigherLearntLimitKeepsWhatWasUsed) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView tier1;
  tier1.requests_limit = "50";
  b.observe(tier1, false, t0, wall0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(b.try_admit({0, 0}, t0).ticket);
  }
  HeaderView tier2;
  tier2.requests_limit = "1000";
  b.observe(tier2, false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).requests_available, 990.0);
}

TEST(Observe, LimitLearntInFlightIsNotCreditedWithAReservationItNeverGave) {
  KeyBuckets b({}, {OutputReservation::max_tokens, CacheReads::free, false}, t0);
  auto a = b.try_admit({100, 1'000}, t0);  // no output limit known: nothing taken
  ASSERT_TRUE(a.ticket);
  HeaderView h;
  h.output_limit = "8000";
  h.output_remaining = "2000";
  b.observe(h, false, t0, wall0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 1'500.0);
  b.settle(*a.ticket, Usage{100, 100, 0, 0}, t0);
  EXPECT_DOUBLE_EQ(b.snapshot(t0).output_available, 1'500.0);  // not 1,500 + 900
}

TEST(Observe429, CoolsDownForRetryAfterInFull) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.retry_after = "20";
  b.observe(h, true, t0, wall0);
  Snapshot s = b.snapshot(t0);
  ASSERT_TRUE(s.cooling_until);
  EXPECT_EQ(*s.cooling_until, t0 + 20s);
  EXPECT_EQ(s.cooling_reason, "upstream 429");
  EXPECT_EQ(s.upstream_429s, 1);
  Admission a = b.try_admit({0, 0}, t0 + 19s);
  EXPECT_EQ(a.reason, "cooling down");
  EXPECT_EQ(a.retry_at, t0 + 20s);
  EXPECT_FALSE(b.try_admit({0, 0}, t0 + 20s - 1ms).ticket);
  EXPECT_TRUE(b.try_admit({0, 0}, t0 + 20s).ticket);
}

TEST(Observe429, RetryAfterMsComesFirstAndFractionsAreKept) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.retry_after = "20";
  h.retry_after_ms = "1500";
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 1500ms);

  KeyBuckets c({}, anthropic_policy(), t0);
  HeaderView half;
  half.retry_after = "0.5";
  c.observe(half, true, t0, wall0);
  EXPECT_EQ(*c.snapshot(t0).cooling_until, t0 + 500ms);
}

TEST(Observe429, FallsBackToTheExhaustedBucketsAnthropicReset) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h = anthropic_headers();
  h.input_remaining = "0";                      // the binding bucket
  h.input_reset = "2025-01-12T23:11:59Z";       // 7 s after wall0
  h.requests_reset = "2025-01-12T23:11:55Z";    // not exhausted: not the answer
  h.output_reset = "2025-01-12T23:11:53.5Z";
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 7s);
}

TEST(Observe429, SeveralExhaustedBucketsWaitForTheLastToReset) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h = anthropic_headers();
  h.requests_remaining = "0";
  h.requests_reset = "2025-01-12T23:11:55Z";  // 3 s
  h.output_remaining = "400";                 // rounded: may be 0
  h.output_reset = "2025-01-12T23:11:57.25Z";  // 5.25 s
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 5250ms);
}

TEST(Observe429, FallsBackToTheExhaustedBucketsOpenAIReset) {
  KeyBuckets b({}, openai_policy(), t0);
  HeaderView h = openai_headers();
  h.tokens_remaining = "0";
  h.requests_remaining = "12";
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 6min);
}

TEST(Observe429, WithNothingExhaustedTakesTheEarliestReset) {
  KeyBuckets b({}, openai_policy(), t0);
  b.observe(openai_headers(), true, t0, wall0);  // 59 requests and 149,984 tokens left
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 1s);
}

TEST(Observe429, ResetInThePastMeansNoWait) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.requests_remaining = "0";
  h.requests_reset = "2025-01-12T23:11:00Z";  // before wall0: clocks disagree a little
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0 - 1ns).cooling_until, t0);
  EXPECT_TRUE(b.try_admit({0, 0}, t0).ticket);
}

TEST(Observe429, WithoutAnyHintCoolsDownForTheDefault) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT";  // an HTTP date: not read
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + kDefaultCoolDown);
}

TEST(Observe429, AShorterRetryAfterDoesNotShortenACoolDown) {
  KeyBuckets b({}, anthropic_policy(), t0);
  b.cool_down(t0 + 1h, "credit balance too low");
  HeaderView h;
  h.retry_after = "5";
  b.observe(h, true, t0, wall0);
  Snapshot s = b.snapshot(t0);
  EXPECT_EQ(*s.cooling_until, t0 + 1h);
  EXPECT_EQ(s.cooling_reason, "credit balance too low");
  EXPECT_EQ(s.upstream_429s, 1);
}

TEST(Observe429, AbsurdRetryAfterIsBoundedNotUndefined) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.retry_after = "1e300";
  b.observe(h, true, t0, wall0);
  EXPECT_EQ(*b.snapshot(t0).cooling_until, t0 + 24h);
}

TEST(Observe, NoCoolDownWithoutA429) {
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.retry_after = "30";
  b.observe(h, false, t0, wall0);
  EXPECT_FALSE(b.snapshot(t0).cooling_until);
  EXPECT_TRUE(b.try_admit({0, 0}, t0).ticket);
}

}  // namespace
}  // namespace spillway::ratelimit
