#include <cstdio>

#include "cli/commands.hpp"
#include "sim/demo.hpp"

namespace spillway::cli {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run simulated agents against a simulated premium provider at a real tier's limits, straight and then "
      "through spillway (overflow to a simulated local server), and compare; no keys, no network (docs/demo.md)");
  auto options = std::make_shared<sim::DemoOptions>();
  cmd->add_option("--duration", options->duration_s, "Seconds per run (two runs)")
      ->check(CLI::Range(2.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--agents", options->agents, "How many agents work at once")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  cmd->add_option("--tier", options->tier, "The premium's rate-limit tier from data/tiers.yaml, e.g. anthropic-tier-1")
      ->capture_default_str();
  cmd->add_option("--speedup", options->speedup,
                  "Simulated time runs this much faster: models answer faster, tier limits scaled up alike")
      ->check(CLI::Range(1.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--db", options->db, "Audit database of the run through spillway (appended to)")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the workload")->capture_default_str();
  cmd->add_flag("--keep-running", options->keep_running, "Leave the gateway up after its run, until Ctrl-C");
  cmd->callback([options] {
    int rc = 0;
    try {
      rc = sim::run_demo(*options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "spillway demo: %s\n", e.what());
      rc = 1;
    }
    if (rc != 0) {
      throw CLI::RuntimeError(rc);
    }
  });
}

}  // namespace spillway::cli
