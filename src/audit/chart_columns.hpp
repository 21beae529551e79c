#pragma once
// A per-minute series squeezed into at most `max_columns` columns for a chart: each column
// covers the same number of whole minutes and shows the busiest of them, so the peak is never
// averaged away.
#include <cstdint>
#include <vector>

namespace spillway::audit {

struct ChartColumn {
  std::int64_t start_ms = 0;  // the first minute the column covers
  std::int64_t value = 0;     // the largest minute in it
};

struct Chart {
  std::int64_t minutes_per_column = 1;
  std::vector<ChartColumn> columns;
  std::size_t peak_column = 0;     // the first column holding the peak
  std::int64_t peak_value = 0;
  std::int64_t peak_minute_ms = 0;  // the peak minute itself (not its column's start)
};

Chart chart_columns(const std::vector<std::int64_t>& per_minute, std::int64_t first_minute_ms,
                    std::size_t max_columns);

}  // namespace spillway::audit
