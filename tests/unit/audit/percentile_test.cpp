#include <gtest/gtest.h>

#include <numeric>

#include "audit/chart_columns.hpp"
#include "audit/percentile.hpp"

namespace spillway::audit {
namespace {

TEST(Percentile, NearestRankPicksAnObservedValue) {
  std::vector<std::int64_t> v(20);
  std::iota(v.rbegin(), v.rend(), 1);  // 20, 19, ..., 1: order must not matter
  EXPECT_EQ(nearest_rank(v, 50), 10);  // rank ceil(0.50 * 20) = 10
  EXPECT_EQ(nearest_rank(v, 95), 19);  // rank 19
  EXPECT_EQ(nearest_rank(v, 99), 20);  // rank ceil(19.8) = 20
  EXPECT_EQ(nearest_rank(v, 100), 20);
  EXPECT_EQ(nearest_rank(v, 1), 1);
  EXPECT_EQ(quantiles(v), (Quantiles{10, 19, 20, 20}));
}

TEST(Percentile, SmallAndEmptyLists) {
  EXPECT_EQ(quantiles({}), (Quantiles{0, 0, 0, 0}));
  EXPECT_EQ(quantiles({7}), (Quantiles{7, 7, 7, 7}));
  EXPECT_EQ(quantiles({1, 2, 3}), (Quantiles{2, 3, 3, 3}));  // p50: rank ceil(1.5) = 2
}

TEST(Percentile, UnlistedValuesCountAsZeros) {
  // {5} among 4 values: 0, 0, 0, 5.
  EXPECT_EQ(quantiles_with_zeros({5}, 4), (Quantiles{0, 5, 5, 5}));
  // 19 zeros and a 100: p95 is rank 19, still a zero; p99 is rank 20.
  EXPECT_EQ(quantiles_with_zeros({100}, 20), (Quantiles{0, 0, 100, 100}));
  EXPECT_EQ(quantiles_with_zeros({3, 1}, 2), quantiles({1, 3}));
}

TEST(ChartColumns, OneMinuteAColumnWhenItFits) {
  const auto c = chart_columns({1, 5, 2}, 1000 * 60'000, 60);
  EXPECT_EQ(c.minutes_per_column, 1);
  ASSERT_EQ(c.columns.size(), 3u);
  EXPECT_EQ(c.peak_column, 1u);
  EXPECT_EQ(c.peak_value, 5);
  EXPECT_EQ(c.peak_minute_ms, 1001 * 60'000);
}

TEST(ChartColumns, LongSeriesAreBucketedKeepingThePeak) {
  std::vector<std::int64_t> minutes(130, 1);
  minutes[100] = 50;
  const auto c = chart_columns(minutes, 0, 60);
  EXPECT_EQ(c.minutes_per_column, 3);  // ceil(130 / 60)
  ASSERT_EQ(c.columns.size(), 44u);    // ceil(130 / 3)
  EXPECT_EQ(c.peak_column, 33u);       // minutes 99..101
  EXPECT_EQ(c.columns[33].value, 50);
  EXPECT_EQ(c.columns[33].start_ms, 99 * 60'000);
  EXPECT_EQ(c.peak_minute_ms, 100 * 60'000);
  EXPECT_EQ(c.columns[0].value, 1);
}

}  // namespace
}  // namespace spillway::audit
