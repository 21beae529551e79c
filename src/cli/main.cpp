#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"spillway: an LLM gateway that keeps AI agents running at machine speed"};
  app.require_subcommand(1);
  spillway::cli::add_serve_command(app);
  spillway::cli::add_check_command(app);
  spillway::cli::add_mock_provider_command(app);
  spillway::cli::add_demo_command(app);
  spillway::cli::add_audit_command(app);
  spillway::cli::add_route_command(app);
  spillway::cli::add_keys_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command failed and said why
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints the help, or the usage error
    // Usage errors exit 2, as command-line tools do; CLI11's own codes (105, 114, ...) mean
    // nothing to a script.
    return rc == 0 ? 0 : 2;
  }
  return 0;
}
