#include "audit/percentile.hpp"

#include <algorithm>

namespace spillway::audit {

namespace {

// Rank ceil(percent * n / 100), in integers so 95% of 20 is exactly rank 19.
std::size_t rank_of(std::size_t n, int percent) {
  const std::size_t rank = (static_cast<std::size_t>(percent) * n + 99) / 100;
  return std::max<std::size_t>(rank, 1);
}

}  // namespace

std::int64_t nearest_rank(std::vector<std::int64_t> values, int percent) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  return values[rank_of(values.size(), percent) - 1];
}

Quantiles quantiles(const std::vector<std::int64_t>& values) { return quantiles_with_zeros(values, values.size()); }

Quantiles quantiles_with_zeros(std::vector<std::int64_t> listed, std::size_t n) {
  n = std::max(n, listed.size());
  if (n == 0) {
    return {};
  }
  std::sort(listed.begin(), listed.end());
  const std::size_t zeros = n - listed.size();
  const auto at = [&](std::size_t rank) { return rank <= zeros ? 0 : listed[rank - zeros - 1]; };
  return {at(rank_of(n, 50)), at(rank_of(n, 95)), at(rank_of(n, 99)), at(n)};
}

}  // namespace spillway::audit
