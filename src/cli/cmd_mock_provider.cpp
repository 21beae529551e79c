// `spillway mock-provider`: flags -> MockOptions -> sim::run_mock_provider.
#include <sys/resource.h>

#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "common/process_limits.hpp"
#include "sim/mock_provider.hpp"

namespace spillway::cli {

void add_mock_provider_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mock-provider",
      "Run a provider simulator speaking the Anthropic or OpenAI API (for tests and benchmarks)");
  auto options = std::make_shared<sim::MockOptions>();
  auto dialect = std::make_shared<std::string>();

  cmd->add_option("--dialect", *dialect, "API to speak: anthropic or openai")
      ->required()
      ->check(CLI::IsMember({"anthropic", "openai"}));
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--rpm", options->rpm, "requests per minute limit (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--itpm", options->itpm, "input tokens per minute limit (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--otpm", options->otpm, "output tokens per minute limit (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--time-scale", options->time_scale,
                  "buckets refill this many times faster than real time, holding the same (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-concurrency", options->max_concurrency,
                  "generation requests served at once; more wait in line (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--ttft-ms", options->ttft_ms, "delay between response headers and first token")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--tokens-per-s", options->tokens_per_s,
                  "output pace after the first token (0: as fast as possible)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--latency-ms", options->latency_ms, "delay before response headers")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--reply", options->reply, "default reply text")->capture_default_str();
  cmd->add_option("--script", options->script_file,
                  "JSON file with a list of replies used in turn (see docs/mock-provider.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--fail-529-rate", options->fail_529_rate,
                  "fraction of requests answered overloaded (529 Anthropic, 503 OpenAI)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fail-500-rate", options->fail_500_rate, "fraction of requests answered 500")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--threads", options->threads, "worker threads (one listener each)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--tls-cert", options->tls_cert, "PEM certificate chain: serve HTTPS")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", options->tls_key, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  cmd->add_option("--api-key", options->api_key,
                  "require this key (x-api-key for Anthropic, Bearer for OpenAI)");

  cmd->callback([options, dialect] {
    options->dialect = *dialect_from_string(*dialect);
    raise_descriptor_limit();
    if (const int rc = sim::run_mock_provider(*options); rc != 0) {
      throw CLI::RuntimeError(rc);
    }
  });
}

}  // namespace spillway::cli
