#include "dashboard/history.hpp"

#include <sstream>
#include <stdexcept>

#include "audit/audit_command.hpp"
#include "audit/time_spec.hpp"

namespace spillway::dashboard {

HistoryAnswer history_report(const HistorySource& source, const HistoryQuery& query, std::int64_t now_ms) {
  if (source.db.empty()) {
    return {404, "auditing is off (audit: off): there is no history to show"};
  }
  audit::AuditArgs args;
  args.db = source.db;
  args.db_given = true;
  args.config = source.config_file;
  args.since = query.since.value_or("24h");
  args.until = query.until.value_or("");
  args.by = query.by.value_or("upstream");
  args.format = "json";
  // The window is checked here too, for its length: run_audit would read any span.
  try {
    const auto since_ms = audit::parse_time_spec(args.since, now_ms);
    const auto until_ms = args.until.empty() ? now_ms : audit::parse_time_spec(args.until, now_ms);
    if (until_ms - since_ms > max_history_ms) {
      return {400, "since..until spans more than 7 days: ask for a shorter window"};
    }
  } catch (const std::invalid_argument& e) {
    return {400, std::string("since/until: ") + e.what()};
  }
  std::ostringstream out;
  std::ostringstream err;
  if (audit::run_audit(args, out, err, now_ms) != 0) {
    auto message = err.str();
    while (!message.empty() && message.back() == '\n') {
      message.pop_back();
    }
    return {400, message};
  }
  return {200, out.str()};
}

}  // namespace spillway::dashboard
