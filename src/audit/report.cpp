#include "audit/report.hpp"

#include "audit/time_spec.hpp"

namespace spillway::audit {

Report build_report(const std::vector<Record>& rows, const ReportWindow& window, const PriceTable& prices,
                    const TierTable& tiers, const VelocityOptions& options, const std::optional<GpuFigures>& gpu) {
  Report report;
  report.window = window;
  report.by = options.by;
  report.repriced = options.reprice;
  report.velocity = compute_velocity(rows, prices, options);
  report.capacity = plan_capacity(rows, report.velocity.series, tiers, gpu);
  report.prices = {prices.date(), prices.source()};
  report.tiers = {tiers.date(), tiers.source()};
  return report;
}

std::string describe_window(const ReportWindow& window) {
  return (window.since_ms ? format_utc_minute(*window.since_ms) : std::string("the first record")) + " and " +
         (window.until_ms ? format_utc_minute(*window.until_ms) : std::string("now"));
}

}  // namespace spillway::audit
