// `spillway check --config FILE`: load and validate a config without serving anything, so a
// deploy script can refuse a bad file before it replaces a good one.
#include <iostream>
#include <memory>
#include <string>

#include "audit/prices.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace spillway::cli {

void add_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Validate a config file (or the environment) and exit");
  auto path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *path,
                  "YAML config file; without it, the config built from ANTHROPIC_API_KEY, OPENAI_API_KEY "
                  "and SPILLWAY_LOCAL_URL is checked");
  cmd->callback([path] {
    try {
      config::Config cfg = path->empty() ? config::from_env() : config::load_file(*path);
      if (!cfg.audit.prices_file.empty()) {
        audit::PriceTable::parse(cfg.audit.prices_yaml, cfg.audit.prices_file);  // as `serve` will at start
      }
      std::cout << cfg.source << ": ok (" << cfg.upstreams.size() << " upstreams, " << cfg.routes.size()
                << " routes)" << std::endl;
    } catch (const std::runtime_error& e) {  // ConfigError, or a prices file's error
      std::cerr << e.what() << std::endl;
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace spillway::cli
