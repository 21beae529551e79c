#include "cli/commands.hpp"

namespace spillway::cli {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run the gateway in front of two simulated providers and drive a burst of requests");
  cmd->callback([] { throw CLI::RuntimeError(1); });
}

}  // namespace spillway::cli
