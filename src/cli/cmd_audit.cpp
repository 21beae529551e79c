// `spillway audit`: the token velocity report from the audit database (docs/audit.md). The
// flags are collected as typed; audit::run_audit() checks them, so every bad value gets the
// same one-line error and exit status 2.
#include <chrono>
#include <iostream>
#include <memory>

#include "common/wall_clock.hpp"
#include "audit/audit_command.hpp"
#include "cli/commands.hpp"

namespace spillway::cli {

void add_audit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("audit", "Token velocity report from the audit database (text, JSON, CSV, HTML)");
  auto args = std::make_shared<audit::AuditArgs>();
  // A repeated flag takes its last value, as in most tools (a script appending --since).
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--db", args->db, "Audit database (default ./spillway.db, or the config's audit.sqlite)");
  cmd->add_option("-c,--config", args->config,
                  "Config file: its audit section gives the database, price and tier overrides and GPU figures");
  cmd->add_option("--since", args->since,
                  "Start of the window (inclusive): 2026-03-01, 2026-03-01T14:05Z, RFC 3339, or 90m / 2h / 7d ago");
  cmd->add_option("--until", args->until, "End of the window (exclusive), same forms; default now");
  cmd->add_option("--by", args->by, "Group by agent | session | model | upstream | key (default agent)");
  cmd->add_option("--top", args->top, "How many sessions to list by token velocity (default 10)");
  cmd->add_option("--format", args->format, "text | json | csv (default text)");
  cmd->add_option("--html", args->html, "Also write a self-contained HTML page with the charts to this file");
  cmd->add_option("--tiers", args->tiers, "Tiers file over the built-in data/tiers.yaml (and the config's)");
  cmd->add_option("--prices", args->prices, "Prices file tried before the built-in data/prices.yaml (and the config's)");
  cmd->add_flag("--reprice", args->reprice,
                "Price every request with the price table, not the cost the gateway stored when it ended");
  cmd->add_option("--gpu-input-tps", args->gpu_input_tps, "Prompt tokens/s one local GPU sustains (capacity answer)");
  cmd->add_option("--gpu-output-tps", args->gpu_output_tps, "Output tokens/s one local GPU sustains (capacity answer)");
  cmd->allow_extras();  // unknown arguments get run_audit's error and status 2, not CLI11's
  cmd->callback([cmd, args] {
    args->db_given = cmd->count("--db") > 0;
    args->extras = cmd->remaining();
    const auto now = unix_ms();
    if (const int status = audit::run_audit(*args, std::cout, std::cerr, now); status != 0) {
      throw CLI::RuntimeError(status);
    }
  });
}

}  // namespace spillway::cli
