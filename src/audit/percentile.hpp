#pragma once
// Percentiles of per-minute figures, by the nearest-rank definition: with the n values
// sorted ascending, the p-th percentile is the value at rank ceil(p / 100 * n) (1-based), so
// it is always one of the observed values. p100 is the maximum; an empty list gives 0.
#include <cstdint>
#include <vector>

namespace spillway::audit {

struct Quantiles {
  std::int64_t p50 = 0;
  std::int64_t p95 = 0;
  std::int64_t p99 = 0;
  std::int64_t max = 0;
  bool operator==(const Quantiles&) const = default;
};

// `percent` in 1..100.
std::int64_t nearest_rank(std::vector<std::int64_t> values, int percent);
Quantiles quantiles(const std::vector<std::int64_t>& values);
// The same over `n` non-negative values of which only `listed` are given; the others are 0
// (a group's quiet minutes), so a sparse series needs no vector as long as the window.
Quantiles quantiles_with_zeros(std::vector<std::int64_t> listed, std::size_t n);

}  // namespace spillway::audit
