#include "audit/chart_columns.hpp"

#include <algorithm>

namespace spillway::audit {

Chart chart_columns(const std::vector<std::int64_t>& per_minute, std::int64_t first_minute_ms,
                    std::size_t max_columns) {
  Chart chart;
  if (per_minute.empty() || max_columns == 0) {
    return chart;
  }
  const std::size_t n = per_minute.size();
  const std::size_t width = (n + max_columns - 1) / max_columns;
  chart.minutes_per_column = static_cast<std::int64_t>(width);
  chart.peak_value = per_minute[0];
  chart.peak_minute_ms = first_minute_ms;
  for (std::size_t start = 0; start < n; start += width) {
    ChartColumn column;
    column.start_ms = first_minute_ms + static_cast<std::int64_t>(start) * 60'000;
    for (std::size_t i = start; i < std::min(n, start + width); ++i) {
      column.value = std::max(column.value, per_minute[i]);
      if (per_minute[i] > chart.peak_value) {
        chart.peak_value = per_minute[i];
        chart.peak_minute_ms = first_minute_ms + static_cast<std::int64_t>(i) * 60'000;
        chart.peak_column = chart.columns.size();
      }
    }
    chart.columns.push_back(column);
  }
  return chart;
}

}  // namespace spillway::audit
