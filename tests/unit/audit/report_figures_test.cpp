// The report's figures on the fixture database (fixture.hpp), against hand-computed values.
#include <gtest/gtest.h>

#include "audit/report.hpp"
#include "audit/usage_rows.hpp"
#include "fixture.hpp"

namespace spillway::audit {
namespace {

using test::M;
using test::S;
using test::T0;

class ReportFigures : public ::testing::Test {
 protected:
  Report report(VelocityOptions options = {}, std::optional<GpuFigures> gpu = std::nullopt,
                const TierTable& tiers = TierTable::builtin()) {
    const auto path = test::make_fixture_db();
    auto db = open_database(path, OpenMode::read_only);
    const ReportWindow window{T0, T0 + 4 * M};
    rows = read_records(db.get(), window.since_ms, window.until_ms);
    return build_report(rows, window, PriceTable::builtin(), tiers, options, gpu);
  }
  std::vector<Record> rows;
};

TEST_F(ReportFigures, ReadsOnlyTheWindow) {
  report();
  ASSERT_EQ(rows.size(), 7u);  // r1..r7: r0 starts before, r8 after
  EXPECT_EQ(rows.front().agent, "coder");
  EXPECT_EQ(rows.front().start_ms, T0 + 5 * S);
  EXPECT_FALSE(rows[6].cost_usd.has_value());  // r7: NULL stays unknown
}

TEST_F(ReportFigures, PerMinuteSeriesCountsEveryMinuteFromFirstToLast) {
  const auto r = report();
  const auto& s = r.velocity.series;
  EXPECT_EQ(s.first_minute_ms, T0);
  ASSERT_EQ(s.minutes.size(), 4u);
  EXPECT_EQ(s.minutes[0], (MinuteCounts{2, {1500, 300, 5000, 300}}));
  EXPECT_EQ(s.minutes[1], (MinuteCounts{0, {0, 0, 0, 0}}));
  EXPECT_EQ(s.minutes[2], (MinuteCounts{3, {44100, 1800, 0, 0}}));
  EXPECT_EQ(s.minutes[3], (MinuteCounts{2, {10, 0, 0, 0}}));
  EXPECT_EQ(s.peak_tokens_minute(), 2u);
  EXPECT_EQ(s.peak_requests_minute(), 2u);
}

TEST_F(ReportFigures, OverallPercentilesAreNearestRank) {
  const auto r = report();
  // tokens/min sorted: 0, 10, 7100, 45900 (n = 4): p50 = rank 2, p95 = p99 = rank 4.
  EXPECT_EQ(r.velocity.rates.tokens_per_minute, (Quantiles{10, 45900, 45900, 45900}));
  // requests/min sorted: 0, 2, 2, 3.
  EXPECT_EQ(r.velocity.rates.requests_per_minute, (Quantiles{2, 3, 3, 3}));
}

TEST_F(ReportFigures, Totals) {
  const auto r = report();
  const auto& t = r.velocity.totals;
  EXPECT_EQ(t.requests, 7);
  EXPECT_EQ(t.tokens, (TokenCounts{45610, 2100, 5000, 300}));
  EXPECT_EQ(t.tokens.total(), 53010);
  EXPECT_NEAR(t.cost_usd, 0.64803, 1e-12);
  EXPECT_EQ(t.unpriced_requests, 1);  // r4, qwen-32b
  EXPECT_EQ(t.estimated_usage, 1);    // r5
  EXPECT_EQ(t.queued, 1);             // r3
  EXPECT_EQ(t.overflowed, 1);         // r4
  EXPECT_EQ(t.errors, 2);             // r6 (503), r7 (client gone)
  EXPECT_EQ(r.velocity.error_statuses, (std::map<int, std::int64_t>{{0, 1}, {503, 1}}));
}

TEST_F(ReportFigures, RepricingUsesThePriceTable) {
  VelocityOptions options;
  options.reprice = true;
  const auto r = report(options);
  // The (none) group is r5 alone: gpt-5 at $1.25/M input, $10/M output: 0.000125 + 0.0005.
  const auto& none = r.velocity.groups.back();
  ASSERT_EQ(none.key, "");
  EXPECT_NEAR(none.totals.cost_usd, 0.000625, 1e-12);
}

TEST_F(ReportFigures, GroupsByAgent) {
  const auto r = report();
  const auto& g = r.velocity.groups;
  ASSERT_EQ(g.size(), 3u);
  // Ordered by tokens: reviewer 40950 + 4800, coder 6500 + 600 + 0 + 10, (none) 150.
  EXPECT_EQ(g[0].key, "reviewer");
  EXPECT_EQ(g[0].totals.requests, 2);
  EXPECT_EQ(g[0].totals.tokens.total(), 45750);
  EXPECT_NEAR(g[0].totals.cost_usd, 0.135, 1e-12);
  EXPECT_EQ(g[0].totals.unpriced_requests, 1);
  EXPECT_EQ(g[0].rates.tokens_per_minute, (Quantiles{0, 45750, 45750, 45750}));  // 0, 0, 45750, 0
  EXPECT_EQ(g[0].rates.requests_per_minute, (Quantiles{0, 2, 2, 2}));

  EXPECT_EQ(g[1].key, "coder");
  EXPECT_EQ(g[1].totals.requests, 4);
  EXPECT_EQ(g[1].totals.tokens.total(), 7110);
  EXPECT_NEAR(g[1].totals.cost_usd, 0.01303, 1e-12);  // 0.01 + 0.003 + 0 + 0.00003
  EXPECT_EQ(g[1].rates.tokens_per_minute, (Quantiles{0, 7100, 7100, 7100}));  // 7100, 0, 0, 10
  EXPECT_EQ(g[1].rates.requests_per_minute, (Quantiles{0, 2, 2, 2}));         // 2, 0, 0, 2

  EXPECT_EQ(g[2].key, "");
  EXPECT_EQ(g[2].totals.tokens.total(), 150);
  EXPECT_NEAR(g[2].totals.cost_usd, 0.5, 1e-12);
}

TEST_F(ReportFigures, GroupsByUpstream) {
  VelocityOptions options;
  options.by = GroupBy::upstream;
  const auto r = report(options);
  const auto& g = r.velocity.groups;
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].key, "anthropic");  // r1 6500 + r2 600 + r3 40950 + r6 0 + r7 10
  EXPECT_EQ(g[0].totals.tokens.total(), 48060);
  EXPECT_EQ(g[1].key, "local");  // r4
  EXPECT_EQ(g[1].totals.tokens.total(), 4800);
  EXPECT_EQ(g[2].key, "openai");
}

TEST_F(ReportFigures, TopSessionsByTokenVelocity) {
  VelocityOptions options;
  options.top_sessions = 2;
  const auto r = report(options);
  const auto& s = r.velocity.top_sessions;
  ASSERT_EQ(s.size(), 2u);  // s3 (10 tokens/min) is cut by --top 2; r5 has no session
  // s2: 45750 tokens from 14:02:10 to 14:02:55, 45 s, counted as the 1-minute minimum.
  EXPECT_EQ(s[0].session, "s2");
  EXPECT_EQ(s[0].agent, "reviewer");
  EXPECT_EQ(s[0].requests, 2);
  EXPECT_EQ(s[0].tokens, 45750);
  EXPECT_DOUBLE_EQ(s[0].active_minutes, 1.0);
  EXPECT_DOUBLE_EQ(s[0].tokens_per_minute, 45750.0);
  EXPECT_EQ(s[0].peak_minute_ms, T0 + 2 * M);
  EXPECT_EQ(s[0].peak_minute_tokens, 45750);
  // s1: 7100 tokens from 14:00:05 (r1 start) to 14:03:01 (r6 end): 176 s.
  EXPECT_EQ(s[1].session, "s1");
  EXPECT_EQ(s[1].requests, 3);
  EXPECT_EQ(s[1].tokens, 7100);
  EXPECT_DOUBLE_EQ(s[1].active_minutes, 176.0 / 60.0);
  EXPECT_NEAR(s[1].tokens_per_minute, 7100.0 * 60.0 / 176.0, 1e-9);
  EXPECT_EQ(s[1].peak_minute_ms, T0);
  EXPECT_EQ(s[1].peak_minute_tokens, 7100);
}

TEST_F(ReportFigures, RefusalsAndFlows) {
  const auto r = report();
  const auto& ref = r.velocity.refusals;
  ASSERT_EQ(ref.size(), 1u);
  EXPECT_EQ(ref[0].upstream, "anthropic");
  EXPECT_EQ(ref[0].total, 4);  // r3: 429; r4: 429, connect; r6: 503
  EXPECT_EQ(ref[0].by_reason, (std::map<std::string, std::int64_t>{{"429", 2}, {"503", 1}, {"connect", 1}}));

  const auto& f = r.velocity.flows;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].route, "claude-*");
  EXPECT_EQ(f[0].upstream, "anthropic");
  EXPECT_EQ(f[0].requests, 5);  // r1 r2 r3 r6 r7
  EXPECT_EQ(f[0].queued, 1);
  EXPECT_EQ(f[0].queued_ms_max, 1500);
  EXPECT_EQ(f[0].overflowed, 0);
  EXPECT_EQ(f[1].upstream, "local");
  EXPECT_EQ(f[1].requests, 1);
  EXPECT_EQ(f[1].overflowed, 1);
  EXPECT_EQ(f[2].route, "gpt-*");
  EXPECT_EQ(f[2].upstream, "openai");
}

TEST_F(ReportFigures, CapacityAgainstTheBuiltInTiers) {
  const auto r = report();
  const auto& c = r.capacity.classes;
  ASSERT_EQ(c.size(), 2u);
  // Sonnet 4.x: r1 r2 r3 r6 r7 by upstream model, and r4, overflowed, by the model asked.
  EXPECT_EQ(c[0].provider, "anthropic");
  EXPECT_EQ(c[0].model_class, "Claude Sonnet 4.x");
  EXPECT_EQ(c[0].requests, 6);
  EXPECT_EQ(c[0].models, (std::vector<std::string>{"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"}));
  // Per minute: requests 2, 0, 2, 2; ITPM (input + cache write) 1800, 0, 44000, 10;
  // output 300, 0, 1750, 0.
  EXPECT_EQ(c[0].rpm, (Quantiles{2, 2, 2, 2}));
  EXPECT_EQ(c[0].itpm, (Quantiles{10, 44000, 44000, 44000}));
  EXPECT_EQ(c[0].otpm, (Quantiles{0, 1750, 1750, 1750}));
  ASSERT_GE(c[0].tiers.size(), 2u);
  const auto& tier1 = c[0].tiers[0];  // 50 RPM / 30,000 ITPM / 8,000 OTPM
  EXPECT_EQ(tier1.tier, "tier 1");
  EXPECT_FALSE(tier1.holds_p95());
  EXPECT_FALSE(tier1.holds_peak());
  ASSERT_EQ(tier1.checks.size(), 3u);
  EXPECT_TRUE(tier1.checks[0].holds_peak());   // rpm 2 <= 50
  EXPECT_FALSE(tier1.checks[1].holds_peak());  // itpm 44000 > 30000
  EXPECT_EQ(tier1.checks[1].limit, 30000);
  EXPECT_TRUE(tier1.checks[2].holds_peak());  // otpm 1750 <= 8000
  EXPECT_TRUE(c[0].tiers[1].holds_peak());    // tier 2: 450,000 ITPM

  // GPT-5: r5 only; OpenAI tiers have rpm and tpm, nothing else.
  EXPECT_EQ(c[1].provider, "openai");
  EXPECT_EQ(c[1].model_class, "GPT-5");
  EXPECT_EQ(c[1].requests, 1);
  EXPECT_EQ(c[1].tpm.max, 150);
  ASSERT_EQ(c[1].tiers[0].checks.size(), 2u);
  EXPECT_EQ(c[1].tiers[0].checks[0].dimension, "rpm");
  EXPECT_EQ(c[1].tiers[0].checks[1].dimension, "tpm");
  EXPECT_TRUE(c[1].tiers[0].holds_peak());
}

TEST_F(ReportFigures, ProvisionedUnitsAndLocalGpus) {
  const auto tiers = TierTable::parse(R"(provisioned:
  - {name: whole, tokens_per_minute: 10000}
  - {name: split, tokens_per_minute: 100000, input_tokens_per_minute: 20000, output_tokens_per_minute: 1000,
     usd_per_unit_hour: 7.5}
)",
                                      "over.yaml");
  auto merged = TierTable::builtin();
  merged.override_with(tiers);
  const auto r = report({}, GpuFigures{147, 10, "test"}, merged);
  const auto& p = r.capacity.provisioned;
  ASSERT_EQ(p.size(), 2u);  // the override replaced the built-in examples
  // Peak minute 14:02: 45900 tokens, prompt (input + cache) 44100, output 1800.
  EXPECT_EQ(p[0].units_peak, 5);  // ceil(45900 / 10000)
  EXPECT_EQ(p[0].units_p95, 5);   // n = 4 minutes: p95 is the peak
  // max(ceil(45900 / 100000), ceil(44100 / 20000), ceil(1800 / 1000)) = max(1, 3, 2)
  EXPECT_EQ(p[1].units_peak, 3);
  ASSERT_TRUE(p[1].usd_per_hour_peak.has_value());
  EXPECT_DOUBLE_EQ(*p[1].usd_per_hour_peak, 22.5);

  ASSERT_TRUE(r.capacity.gpu.has_value());
  const auto& g = *r.capacity.gpu;
  // Uncached input peak 44100/min = 735/s over 147/s = 5 GPUs' prefill; output 1800/min =
  // 30/s over 10/s = 3 GPUs' decode: exactly 8, not rounded up to 9.
  EXPECT_DOUBLE_EQ(g.peak_input_per_s, 735.0);
  EXPECT_DOUBLE_EQ(g.peak_output_per_s, 30.0);
  EXPECT_EQ(g.gpus_peak, 8);
  EXPECT_EQ(g.gpus_p95, 8);
  // With cache reads prefilled too, the peak prompt minute is still 14:02 (no cache there).
  EXPECT_EQ(g.gpus_peak_no_prefix_cache, 8);
}

TEST_F(ReportFigures, EmptyWindowGivesZeros) {
  const auto path = test::make_fixture_db();
  auto db = open_database(path, OpenMode::read_only);
  const auto none = read_records(db.get(), T0 + 5 * M, T0 + 6 * M);
  const auto r = build_report(none, {T0 + 5 * M, T0 + 6 * M}, PriceTable::builtin(), TierTable::builtin(), {},
                              std::nullopt);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.velocity.totals.tokens.total(), 0);
  EXPECT_TRUE(r.velocity.series.minutes.empty());
  EXPECT_TRUE(r.capacity.classes.empty());
}

}  // namespace
}  // namespace spillway::audit
