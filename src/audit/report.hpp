#pragma once
// The token velocity report of `spillway audit`: everything it shows, computed once and then
// written as text, JSON, CSV or HTML (report_text.hpp, report_json.hpp, report_html.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/capacity_plan.hpp"
#include "audit/prices.hpp"
#include "audit/record.hpp"
#include "audit/tiers.hpp"
#include "audit/velocity.hpp"

namespace spillway::audit {

struct ReportWindow {
  std::optional<std::int64_t> since_ms;  // inclusive; nullopt: from the first record
  std::optional<std::int64_t> until_ms;  // exclusive; nullopt: up to now
};

// Where the price and tier figures came from, for the reader to judge them.
struct DataSource {
  std::string date;
  std::string source;
};

struct Report {
  ReportWindow window;
  GroupBy by = GroupBy::agent;
  bool repriced = false;
  Velocity velocity;
  CapacityPlan capacity;
  DataSource prices;
  DataSource tiers;

  bool empty() const { return velocity.totals.requests == 0; }
};

Report build_report(const std::vector<Record>& rows, const ReportWindow& window, const PriceTable& prices,
                    const TierTable& tiers, const VelocityOptions& options, const std::optional<GpuFigures>& gpu);

// "2026-03-01 14:00 UTC to 2026-03-01 15:00 UTC" (or "the first record" / "now").
std::string describe_window(const ReportWindow& window);

}  // namespace spillway::audit
