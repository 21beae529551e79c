#pragma once
// The report as plain text for a terminal: sections, aligned tables and text charts.
#include <ostream>

#include "audit/report.hpp"

namespace spillway::audit {

void write_text(const Report& report, std::ostream& out);

// 1234567 -> "1,234,567".
std::string with_commas(std::int64_t n);
// 3 "request" -> "3 requests".
std::string plural(std::int64_t n, const char* noun);
// 0.5 -> "$0.50"; below a cent, up to eight decimals ($0.00003).
std::string dollars(double usd);

}  // namespace spillway::audit
