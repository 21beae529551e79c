// The live figures (/admin/stats, /admin/recent): totals per upstream, per-minute series, 429s
// attributed to the upstream that answered them, recent requests newest first and bounded.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "dashboard/live.hpp"

namespace spillway::dashboard {
namespace {

namespace json = boost::json;

// 2026-03-01T14:00:00Z (date -u -d 2026-03-01T14:00:00Z +%s).
constexpr std::int64_t T0 = 1772373600LL * 1000;
constexpr std::int64_t M = 60'000;

audit::Record record(std::string upstream, std::int64_t start, std::int64_t in, std::int64_t out, int status = 200) {
  audit::Record r;
  r.start_ms = start;
  r.end_ms = start + 500;
  r.upstream = std::move(upstream);
  r.model = "claude-sonnet-4-5";
  r.route = "claude-*";
  r.input_tokens = in;
  r.output_tokens = out;
  r.status = status;
  r.cost_usd = 0.001 * static_cast<double>(in + out);
  return r;
}

json::value stats(const Live& live, std::int64_t now, std::size_t minutes, const std::string& limits = "{}") {
  return json::parse(live.stats_json(now, minutes, limits));
}

TEST(Live, TotalsAndSeriesPerUpstream) {
  Live live({"premium", "local"}, T0);
  live.observe(record("premium", T0 + 10'000, 100, 20));
  live.observe(record("premium", T0 + M + 5'000, 50, 10));
  auto overflowed = record("local", T0 + M + 6'000, 30, 5);
  overflowed.overflowed = true;
  overflowed.queued_ms = 1500;
  live.observe(overflowed);
  live.observe(record("", T0 + M + 7'000, 0, 0, 401));  // refused before any upstream

  const auto s = stats(live, T0 + 2 * M + 1, 3);
  const auto& t = s.at("totals");
  EXPECT_EQ(t.at("requests").as_int64(), 4);
  EXPECT_EQ(t.at("input_tokens").as_int64(), 180);
  EXPECT_EQ(t.at("output_tokens").as_int64(), 35);
  EXPECT_EQ(t.at("errors").as_int64(), 1);
  EXPECT_EQ(t.at("overflowed").as_int64(), 1);
  EXPECT_EQ(t.at("queued").as_int64(), 1);
  EXPECT_NEAR(t.at("cost_usd").as_double(), 0.215, 1e-9);

  const auto& ups = s.at("upstreams").as_array();
  ASSERT_EQ(ups.size(), 3u);  // the configured two, in config order, then "none"
  EXPECT_EQ(ups[0].at("name").as_string(), "premium");
  EXPECT_EQ(ups[0].at("totals").at("requests").as_int64(), 2);
  EXPECT_EQ(ups[1].at("name").as_string(), "local");
  EXPECT_EQ(ups[2].at("name").as_string(), "none");
  EXPECT_EQ(ups[2].at("totals").at("errors").as_int64(), 1);

  const auto& m = s.at("minutes");
  EXPECT_EQ(m.at("first_minute_ms").as_int64(), T0);
  EXPECT_EQ(m.at("count").as_int64(), 3);
  const auto& premium = m.at("series").at("premium");
  EXPECT_EQ(premium.at("requests"), (json::array{1, 1, 0}));
  EXPECT_EQ(premium.at("input_tokens"), (json::array{100, 50, 0}));
  EXPECT_EQ(premium.at("output_tokens"), (json::array{20, 10, 0}));
  const auto& local = m.at("series").at("local");
  EXPECT_EQ(local.at("overflowed"), (json::array{0, 1, 0}));
  EXPECT_EQ(local.at("queued_ms"), (json::array{0, 1500, 0}));
}

TEST(Live, A429CountsForTheUpstreamThatAnsweredIt) {
  Live live({"premium", "backup"}, T0);
  auto r = record("backup", T0 + 1'000, 10, 1);
  r.refused_by = "premium:429,premium:connect,backup:503";
  live.observe(r);
  const auto s = stats(live, T0 + 1'000, 1);
  EXPECT_EQ(s.at("minutes").at("series").at("premium").at("upstream_429s"), (json::array{1}));
  EXPECT_EQ(s.at("minutes").at("series").at("backup").at("upstream_429s"), (json::array{0}));
  EXPECT_EQ(s.at("minutes").at("series").at("backup").at("requests"), (json::array{1}));
}

TEST(Live, AnUpstream429PassedToTheClientCountsToo) {
  Live live({"premium"}, T0);
  auto answered = record("premium", T0 + 1'000, 0, 0, 429);
  answered.attempts = 3;
  answered.refused_by = "premium:429,premium:429";  // the third 429 is the answer itself
  live.observe(answered);
  auto own = record("premium", T0 + 2'000, 0, 0, 429);  // the gateway's own 429 after a refusal
  own.attempts = 1;
  own.refused_by = "premium:429";
  live.observe(own);
  EXPECT_EQ(stats(live, T0 + 2'000, 1).at("minutes").at("series").at("premium").at("upstream_429s"), (json::array{4}));
}

TEST(Live, LimitsAreSplicedInAndBadOnesBecomeNull) {
  Live live({"premium"}, T0);
  EXPECT_EQ(stats(live, T0, 1, R"({"queue":{"waiting":3}})").at("limits").at("queue").at("waiting").as_int64(), 3);
  EXPECT_TRUE(stats(live, T0, 1, "not json").at("limits").is_null());
}

TEST(Live, TheWindowIsBoundedByWhatIsKept) {
  Live live({"premium"}, T0, LiveOptions{.minutes = 30});
  EXPECT_EQ(stats(live, T0, 1000).at("minutes").at("count").as_int64(), 30);
  EXPECT_EQ(stats(live, T0, 0).at("minutes").at("count").as_int64(), 1);
}

TEST(Live, RecentIsNewestFirstBoundedAndCut) {
  Live live({"premium"}, T0, LiveOptions{.recent = 3});
  for (int i = 0; i < 5; ++i) {
    auto r = record("premium", T0 + i * 1000, i, 0);
    r.agent = std::string(1000, 'a');
    r.request_body = "secret prompt";
    live.observe(r);
  }
  const auto all = json::parse(live.recent_json(10));
  const auto& items = all.at("requests").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("seq").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(items[2].at("seq").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(items[0].at("input_tokens").as_int64(), 4);
  EXPECT_EQ(items[0].at("agent").as_string().size(), Live::max_text);
  EXPECT_EQ(items[0].at("duration_ms").as_int64(), 500);
  EXPECT_EQ(all.at("latest_seq").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(live.recent_json(10).find("secret prompt"), std::string::npos);

  EXPECT_EQ(json::parse(live.recent_json(1)).at("requests").as_array().size(), 1u);
  const auto newer = json::parse(live.recent_json(10, 4));
  ASSERT_EQ(newer.at("requests").as_array().size(), 1u);
  EXPECT_EQ(newer.at("requests").as_array()[0].at("seq").to_number<std::uint64_t>(), 5u);
}

TEST(Live, UnknownUpstreamNamesFoldIntoOtherPastTheBound) {
  Live live({}, T0, LiveOptions{.max_upstreams = 3});
  for (int i = 0; i < 10; ++i) {
    live.observe(record("u" + std::to_string(i), T0, 1, 1));
  }
  const auto s = stats(live, T0, 1);
  const auto& ups = s.at("upstreams").as_array();
  ASSERT_EQ(ups.size(), 3u);
  EXPECT_EQ(ups[2].at("name").as_string(), "other");
  EXPECT_EQ(s.at("totals").at("requests").as_int64(), 10);
}

TEST(Live, SlotsAreBounded) {
  Slots slots(2);
  auto first = slots.take();
  auto second = slots.take();
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  EXPECT_FALSE(slots.take());
  first.reset();  // a place is given back when its holder goes
  auto third = slots.take();
  EXPECT_TRUE(third);
  EXPECT_EQ(slots.used(), 2);
  third.reset();
  second.reset();
  EXPECT_EQ(slots.used(), 0);
}

TEST(Live, ObserveAndReadFromManyThreads) {
  Live live({"premium"}, T0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&live] {
      for (int i = 0; i < 500; ++i) {
        live.observe(record("premium", T0 + i, 1, 1));
        if (i % 50 == 0) {
          (void)live.stats_json(T0, 5, "{}");
          (void)live.recent_json(10);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(stats(live, T0, 1).at("totals").at("requests").as_int64(), 2000);
}

}  // namespace
}  // namespace spillway::dashboard
