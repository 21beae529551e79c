#pragma once
// `spillway audit`: the flags as given, checked and turned into a report on `out`. Lives in
// the audit module (not cli/) so tests can run it whole, exit status included.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace spillway::audit {

// Every value as the user typed it: run_audit() validates them all.
struct AuditArgs {
  std::string db = "./spillway.db";
  bool db_given = false;
  std::string config;
  std::string since;
  std::string until;
  std::string by = "agent";
  std::string top = "10";
  std::string format;  // "" = text (or only the HTML page with --html)
  std::string html;
  std::string tiers;
  std::string prices;
  std::string gpu_input_tps;
  std::string gpu_output_tps;
  bool reprice = false;
  std::vector<std::string> extras;  // arguments nothing claimed
};

// Exit status: 0, or 2 after one line on `err` for bad input (flags, times, files, a database
// that is missing or not spillway's). Reads only; the HTML file is the one thing written.
int run_audit(const AuditArgs& args, std::ostream& out, std::ostream& err, std::int64_t now_ms);

}  // namespace spillway::audit
