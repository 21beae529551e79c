#include <cstdio>

#include "cli/commands.hpp"
#include "sim/demo.hpp"

namespace spillway::cli {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "Run the gateway in front of two simulated providers and drive a burst of agent requests through it");
  auto options = std::make_shared<sim::DemoOptions>();
  cmd->add_option("--requests", options->requests, "How many requests to send")->check(CLI::Range(1, 100000));
  cmd->add_option("--concurrency", options->concurrency, "How many at a time")->check(CLI::Range(1, 1000));
  cmd->add_flag("--keep-running", options->keep_running, "Leave the gateway up after the burst, until Ctrl-C");
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
