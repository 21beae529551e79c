#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"spillway: an LLM gateway that keeps AI agents running at machine speed"};
  app.require_subcommand(1);
  spillway::cli::add_serve_command(app);
  spillway::cli::add_check_command(app);
  spillway::cli::add_mock_provider_command(app);
  spillway::cli::add_demo_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
