#pragma once
// Each subcommand registers itself on the app; the command bodies only wire modules together.
#include <CLI/CLI.hpp>

namespace spillway::cli {

void add_serve_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_mock_provider_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_audit_command(CLI::App& app);
void add_route_command(CLI::App& app);
void add_keys_command(CLI::App& app);

}  // namespace spillway::cli
