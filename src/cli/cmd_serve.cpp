#include <signal.h>

#include <iostream>

#include "cli/commands.hpp"
#include "common/process_limits.hpp"
#include "config/config.hpp"
#include "server/gateway.hpp"

namespace spillway::cli {

void add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Run the gateway");
  auto config_file = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>();
  cmd->add_option("--config", *config_file, "YAML config file (default: build one from the environment)");
  cmd->add_option("--listen", *listen, "HOST:PORT to listen on, overriding the config (port 0 picks a free one)");
  cmd->callback([config_file, listen] {
    config::Config cfg;
    try {
      cfg = config_file->empty() ? config::from_env() : config::load_file(*config_file);
      if (!listen->empty()) {
        std::tie(cfg.listen_host, cfg.listen_port) = config::parse_listen(*listen);
        cfg.listen_from_command_line = true;
      }
    } catch (const std::exception& e) {
      std::cerr << "spillway: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    signal(SIGPIPE, SIG_IGN);
    raise_descriptor_limit();
    try {
      server::Gateway gateway(std::move(cfg));
      const auto address = gateway.bind();
      std::cout << "spillway listening on http://" << address << std::endl;
      gateway.run();
    } catch (const std::exception& e) {
      std::cerr << "spillway: " << e.what() << '\n';
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace spillway::cli
