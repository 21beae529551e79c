// The capacity answer on synthetic traffic: p95 versus peak, which tokens count toward ITPM.
#include <gtest/gtest.h>

#include "audit/capacity_plan.hpp"
#include "fixture.hpp"

namespace spillway::audit {
namespace {

using test::M;
using test::T0;

Record request(std::int64_t minute, const std::string& model, std::int64_t input, std::int64_t output,
               std::int64_t cache_read = 0) {
  Record r;
  r.start_ms = T0 + minute * M;
  r.end_ms = r.start_ms + 1000;
  r.upstream_model = model;
  r.model = model;
  r.input_tokens = input;
  r.output_tokens = output;
  r.cache_read_tokens = cache_read;
  r.status = 200;
  return r;
}

CapacityPlan plan(const std::vector<Record>& rows, std::optional<GpuFigures> gpu = std::nullopt) {
  const auto v = compute_velocity(rows, PriceTable::builtin(), {});
  return plan_capacity(rows, v.series, TierTable::builtin(), gpu);
}

TEST(Capacity, P95CanHoldWhereThePeakDoesNot) {
  // Minutes 0..18: 1000 input each; minute 19: 40000. Sorted ITPM values: nineteen 1000s, then
  // 40000: p95 = rank 19 = 1000, peak 40000. Sonnet 4.x tier 1 allows 30,000 ITPM.
  std::vector<Record> rows;
  for (int m = 0; m < 19; ++m) {
    rows.push_back(request(m, "claude-sonnet-4-5", 1000, 100));
  }
  rows.push_back(request(19, "claude-sonnet-4-5", 40000, 100));
  const auto p = plan(rows, GpuFigures{100, 10, "test"});
  ASSERT_EQ(p.classes.size(), 1u);
  EXPECT_EQ(p.classes[0].itpm, (Quantiles{1000, 1000, 40000, 40000}));
  const auto& tier1 = p.classes[0].tiers[0];
  EXPECT_TRUE(tier1.holds_p95());
  EXPECT_FALSE(tier1.holds_peak());
  // GPUs at 100 input/s and 10 output/s. p95: 1000/60/100 + 100/60/10 = 1/6 + 1/6 -> 1.
  // Peak: 40000/60/100 + 100/60/10 = 6.67 + 0.17 -> 7.
  ASSERT_TRUE(p.gpu.has_value());
  EXPECT_EQ(p.gpu->gpus_p95, 1);
  EXPECT_EQ(p.gpu->gpus_peak, 7);
}

TEST(Capacity, CacheReadsCountTowardItpmOnlyWhereTheClassSaysSo) {
  // 100 input + 60000 cache reads in one minute. Haiku 3.5 counts cache reads: 60100 against
  // tier 1's 50,000 ITPM. Sonnet 4.x does not: 100 against 30,000.
  const auto haiku = plan({request(0, "claude-3-5-haiku-20241022", 100, 10, 60000)});
  ASSERT_EQ(haiku.classes.size(), 1u);
  EXPECT_EQ(haiku.classes[0].itpm.max, 60100);
  EXPECT_FALSE(haiku.classes[0].tiers[0].holds_peak());
  const auto sonnet = plan({request(0, "claude-sonnet-4-5", 100, 10, 60000)});
  EXPECT_EQ(sonnet.classes[0].itpm.max, 100);
  EXPECT_TRUE(sonnet.classes[0].tiers[0].holds_peak());
  // The GPU answer without prefix caching counts the cache reads as prompt to prefill:
  // 60100/60/100 + 10/60/10 = 10.02 -> 11; with it, 100/60/100 + 10/60/10 = 0.18 -> 1.
  const auto gpus = plan({request(0, "claude-sonnet-4-5", 100, 10, 60000)}, GpuFigures{100, 10, "test"});
  EXPECT_EQ(gpus.gpu->gpus_peak, 1);
  EXPECT_EQ(gpus.gpu->gpus_peak_no_prefix_cache, 11);
}

TEST(Capacity, ModelsNoTierKnowsAreLeftOut) {
  const auto p = plan({request(0, "qwen-32b", 100, 10)});
  EXPECT_TRUE(p.classes.empty());
  EXPECT_FALSE(p.gpu.has_value());  // no GPU figures given
}

TEST(Capacity, CeilDiv) {
  EXPECT_EQ(ceil_div(0, 7), 0);
  EXPECT_EQ(ceil_div(7, 7), 1);
  EXPECT_EQ(ceil_div(8, 7), 2);
}

}  // namespace
}  // namespace spillway::audit
