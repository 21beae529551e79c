// The slow start on an upstream whose limits are unknown, and many workers on one key.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ratelimit/limiter.hpp"

namespace spillway::ratelimit {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

std::vector<Ticket> admit_until_refused(KeyBuckets& b, Clock::time_point now, Admission& refusal) {
  std::vector<Ticket> held;
  for (int i = 0; i < 1000; ++i) {
    Admission a = b.try_admit({100, 100}, now);
    if (!a.ticket) {
      refusal = a;
      return held;
    }
    held.push_back(*a.ticket);
  }
  ADD_FAILURE() << "never refused";
  return held;
}

TEST(SlowStart, AdmitsAWindowInFlightWhileLimitsAreUnknown) {
  KeyBuckets b({}, anthropic_policy(), t0);
  Admission refusal;
  std::vector<Ticket> held = admit_until_refused(b, t0, refusal);
  EXPECT_EQ(held.size(), static_cast<std::size_t>(kSlowStartInitialWindow));
  EXPECT_EQ(refusal.reason, "slow start");
  EXPECT_EQ(refusal.retry_at, t0 + kRecheckInterval);
  EXPECT_EQ(b.snapshot(t0).slow_start_window, kSlowStartInitialWindow);
}

TEST(SlowStart, GrowsByOnePerAcceptedRequestNotPerReleaseOrSettle) {
  KeyBuckets b({}, anthropic_policy(), t0);
  Admission refusal;
  std::vector<Ticket> held = admit_until_refused(b, t0, refusal);
  b.release(held[0], t0);  // a failure is no evidence the upstream can take more
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 4);
  b.settle(held[1], Usage{100, 10, 0, 0}, t0);  // counted when it was accepted, not again
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 4);
  b.accepted(t0);
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 5);
  // 2 still in flight, window 5: three more fit.
  std::vector<Ticket> more = admit_until_refused(b, t0, refusal);
  EXPECT_EQ(more.size(), 3u);
  EXPECT_EQ(b.snapshot(t0).in_flight, 5);
}

TEST(SlowStart, LongStreamsOpenTheWindowAsTheyAreAccepted) {
  // Held streams never settle; each accepted one widens the window, so they keep coming.
  KeyBuckets b({}, anthropic_policy(), t0);
  std::int64_t held = 0;
  for (int i = 0; i < 1000; ++i) {
    Admission a = b.try_admit({100, 100}, t0);
    ASSERT_TRUE(a.ticket) << "stream " << i << " refused: " << a.reason;
    b.accepted(t0);
    ++held;
  }
  EXPECT_EQ(b.snapshot(t0).in_flight, held);
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 0);  // the ceiling was reached: the cap is lifted
}

TEST(SlowStart, GrowthStopsAtTheCeilingAndA429Halves) {
  KeyBuckets b({}, anthropic_policy(), t0);
  for (int i = 0; i < 400; ++i) {
    Admission a = b.try_admit({100, 100}, t0);
    ASSERT_TRUE(a.ticket);
    b.accepted(t0);
    b.settle(*a.ticket, Usage{100, 10, 0, 0}, t0);
  }
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 0);  // at the ceiling: no cap any more
  HeaderView none;
  b.observe(none, true, t0, WallClock::now());
  EXPECT_EQ(b.snapshot(t0).slow_start_window, kSlowStartMaxWindow / 2);
  for (int i = 0; i < 20; ++i) {
    b.observe(none, true, t0, WallClock::now());
  }
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 1);  // never shut entirely
  Admission after = b.try_admit({100, 100}, t0 + kDefaultCoolDown);
  ASSERT_TRUE(after.ticket);
  EXPECT_EQ(b.try_admit({100, 100}, t0 + kDefaultCoolDown).reason, "slow start");
}

TEST(SlowStart, AnyKnownLimitTurnsItOff) {
  Limits declared;
  declared.rpm = 1000;
  KeyBuckets b(declared, anthropic_policy(), t0);
  EXPECT_EQ(b.snapshot(t0).slow_start_window, 0);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(b.try_admit({100, 100}, t0).ticket) << i;  // far past the initial window
  }

  KeyBuckets learning({}, anthropic_policy(), t0);
  Admission refusal;
  admit_until_refused(learning, t0, refusal);
  EXPECT_EQ(refusal.reason, "slow start");
  HeaderView h;
  h.input_limit = "30000";
  learning.observe(h, false, t0, WallClock::now());
  EXPECT_EQ(learning.snapshot(t0).slow_start_window, 0);
  EXPECT_TRUE(learning.try_admit({100, 100}, t0).ticket);
}

TEST(SlowStart, AnUnenforcedCombinedLimitDoesNotCount) {
  // Anthropic's tokens-limit alone is not a bucket under its policy, so it cannot pace us.
  KeyBuckets b({}, anthropic_policy(), t0);
  HeaderView h;
  h.tokens_limit = "38000";
  b.observe(h, false, t0, WallClock::now());
  EXPECT_EQ(b.snapshot(t0).slow_start_window, kSlowStartInitialWindow);
}

TEST(KeyBucketsThreads, ConcurrentAdmitsAndSettlesBalanceExactly) {
  Limits declared;
  declared.rpm = 1'000'000;
  declared.itpm = 10'000'000;
  declared.otpm = 1'000'000;
  declared.max_concurrency = 3;
  KeyBuckets b(declared, {OutputReservation::max_tokens, CacheReads::free, false}, t0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> in_flight{0};
  std::atomic<int> most_in_flight{0};
  std::atomic<bool> gave_up{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < kThreads; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kPerThread; ++i) {
        std::optional<Ticket> ticket;
        for (long tries = 0; !ticket; ++tries) {
          if (tries > 10'000'000) {
            gave_up = true;
            return;
          }
          ticket = b.try_admit({100, 50}, t0).ticket;  // a frozen clock: nothing refills
          if (!ticket) {
            std::this_thread::yield();
          }
        }
        int now_in = ++in_flight;
        int seen = most_in_flight.load();
        while (now_in > seen && !most_in_flight.compare_exchange_weak(seen, now_in)) {
        }
        --in_flight;  // before handing the slot back: never counts more than hold one
        if ((i + w) % 2 == 0) {
          b.settle(*ticket, Usage{60, 7, 0, 0}, t0);
        } else {
          b.release(*ticket, t0);
        }
      }
    });
  }
  for (std::thread& t : workers) {
    t.join();
  }
  ASSERT_FALSE(gave_up);
  EXPECT_LE(most_in_flight.load(), 3);
  Snapshot s = b.snapshot(t0);
  constexpr int kTotal = kThreads * kPerThread;
  constexpr int kSettled = kTotal / 2;
  EXPECT_EQ(s.admitted, kTotal);
  EXPECT_EQ(s.settled, kSettled);
  EXPECT_EQ(s.released, kTotal - kSettled);
  EXPECT_EQ(s.in_flight, 0);
  // Released requests gave everything back; settled ones cost 1 request, 60 in, 7 out.
  EXPECT_DOUBLE_EQ(s.requests_available, 1'000'000.0 - kSettled);
  EXPECT_DOUBLE_EQ(s.input_available, 10'000'000.0 - 60.0 * kSettled);
  EXPECT_DOUBLE_EQ(s.output_available, 1'000'000.0 - 7.0 * kSettled);
}

}  // namespace
}  // namespace spillway::ratelimit
