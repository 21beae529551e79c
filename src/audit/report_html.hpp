#pragma once
// The report as one self-contained HTML page for sharing: inline CSS and inline SVG charts,
// no scripts, no fonts, nothing fetched. Every string from the database is escaped.
#include <ostream>
#include <string>

#include "audit/report.hpp"

namespace spillway::audit {

void write_html(const Report& report, std::ostream& out);

std::string html_escape(const std::string& text);

}  // namespace spillway::audit
