#include "sim/demo.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/wall_clock.hpp"
#include "audit/tiers.hpp"
#include "sim/child_process.hpp"
#include "sim/demo_agents.hpp"
#include "sim/demo_progress.hpp"
#include "sim/demo_summary.hpp"
#include "sim/demo_workload.hpp"

namespace spillway::sim {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) { interrupted = 1; }

// What a model of the senior tier says in a step: about 120 words, so about 120 output tokens.
constexpr const char* premium_reply =
    "I read the failing test and the fixture it uses. The parser is built before the config is loaded, so the "
    "default limits apply and the assertion on the queue depth fails. I will move the config load ahead of the "
    "parser, keep the defaults for the case with no file, and rerun the suite. Next I will check the other "
    "callers of build_parser: two of them pass a config already, one in the bench driver does not, and it should. "
    "After that I will grep for tests that relied on the old order, update the two that did, and run the whole "
    "suite again with the sanitizers on before I report what changed and why it is safe.";
constexpr const char* local_reply =
    "Read the files: three functions touch the parser, build_parser in src/parser.cpp, load_config in "
    "src/config.cpp and the bench driver's main. Only the driver builds the parser before loading the config. "
    "Applied the edit, reran the suite: 214 passed, 0 failed. Next step: check the callers in the tests and "
    "update the fixture that depended on the old order.";

struct TierLimits {
  std::string name;
  std::string model_class;
  long rpm = 0;
  long itpm = 0;
  long otpm = 0;
};

TierLimits find_tier(const std::string& wanted) {
  const auto table = audit::TierTable::builtin();
  std::string known;
  for (const auto& provider : table.providers()) {
    const auto* cls = provider.find_class(demo_senior_model);
    if (!cls) {
      continue;
    }
    for (const auto& tier : cls->tiers) {
      const std::string slug = tier_slug(provider.name, tier.name);
      if (slug == wanted) {
        if (tier.itpm <= 0 || tier.rpm <= 0) {
          throw std::runtime_error("tier " + wanted + " has no rpm or itpm limit");
        }
        return {slug, cls->name, tier.rpm, tier.itpm, tier.otpm};
      }
      known += (known.empty() ? "" : ", ") + slug;
    }
  }
  throw std::runtime_error("unknown tier '" + wanted + "' for " + std::string(demo_senior_model) +
                           " (data/tiers.yaml): " + known);
}

std::string write_config(const std::string& path, const std::string& premium_url, const std::string& local_url,
                         const std::string& audit_db, const TierLimits& scaled, int local_slots, int max_wait_ms) {
  std::ofstream f(path);
  f << "# written by `spillway demo`: the senior/junior route set of docs/demo.md\n"
       "listen: 127.0.0.1:0\n"
       "auth: none\n"
       "audit: {sqlite: \""
    << audit_db << "\"}\n"
    << "upstreams:\n"
       "  - name: premium\n"
       "    kind: anthropic\n"
       "    base_url: "
    << premium_url << "\n    limits: {rpm: " << scaled.rpm << ", itpm: " << scaled.itpm << ", otpm: " << scaled.otpm
    << "}\n"
       "  - name: local\n"
       "    kind: openai\n"
       "    base_url: "
    << local_url << "/v1\n    limits: {max_concurrency: " << local_slots
    << "}\n"
       "aliases:\n"
       "  senior: [claude-opus-*, claude-sonnet-*]\n"
       "routes:\n"
       "  - name: side-requests        # Claude Code's titles and summaries\n"
       "    match: {background: true}\n"
       "    to: [{upstream: local, model: qwen2.5-coder-7b}]\n"
       "    priority: background\n"
       "  - name: subagents            # grunt work: reading and searching\n"
       "    match: {agent: \"sub-*\"}\n"
       "    to: [{upstream: local, model: qwen2.5-coder-32b}]\n"
       "  - name: senior               # the main loops: premium, overflow to local when full\n"
       "    match: {model: senior}\n"
       "    to: [premium]\n"
       "    overflow: [{upstream: local, model: qwen2.5-coder-32b}]\n"
       "    max_wait: "
    << max_wait_ms
    << "ms\n"
       "  - name: junior\n"
       "    to: [{upstream: local, model: qwen2.5-coder-32b}]\n";
  if (!f) {
    throw std::runtime_error("cannot write " + path);
  }
  return path;
}

// The premium simulator's 429 count, from its own counters; -1 when it did not answer.
long premium_429s(const std::string& url) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(http_get(url, "/mock/stats"), ec);
  if (ec || !v.is_object()) {
    return -1;
  }
  const auto* n = v.as_object().if_contains("rate_limited");
  return n && n->is_number() ? static_cast<long>(n->to_number<double>()) : -1;
}

// Runs the agents on a thread while this one draws the live table; Ctrl-C cancels the run.
AgentRunResult run_phase(const std::string& label, const AgentRunConfig& config, ProgressView& view) {
  LiveCounters live;
  if (!config.through_gateway) {
    live.queue_waiting = -1;
  }
  AgentRunResult result;
  std::exception_ptr error;
  view.begin_run(label, config.duration_s);
  const auto start = Clock::now();
  std::thread agents([&] {
    try {
      result = run_agents(config, live);
    } catch (...) {
      error = std::current_exception();
      live.finished = true;
    }
  });
  auto seconds = [&start] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  while (!live.finished) {
    if (interrupted) {
      live.cancel = true;
    }
    view.update(live, seconds());
    std::this_thread::sleep_for(250ms);
  }
  agents.join();
  view.end_run(live, seconds());
  if (error) {
    std::rethrow_exception(error);
  }
  return result;
}

std::string iso_utc_ms(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::vector<std::string> premium_args(const TierLimits& tier, double speedup) {
  // The tier's buckets (each holds one minute's limit, as the provider's do), refilling at the
  // sped-up pace; a Sonnet-like model: ~1.5 s to the first token and ~60 tokens/s, sped up alike.
  return {"mock-provider", "--dialect", "anthropic", "--rpm", std::to_string(tier.rpm), "--itpm",
          std::to_string(tier.itpm), "--otpm", std::to_string(tier.otpm), "--time-scale", std::to_string(speedup),
          "--ttft-ms",
          std::to_string(static_cast<long>(1500 / speedup)), "--tokens-per-s",
          std::to_string(static_cast<long>(60 * speedup)), "--reply", premium_reply};
}

}  // namespace

std::string tier_slug(const std::string& provider, const std::string& tier) {
  std::string out;
  bool dash = false;
  for (char c : provider + "-" + tier) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (dash && !out.empty()) {
        out += '-';
      }
      dash = false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      dash = true;
    }
  }
  return out;
}

int run_demo(const DemoOptions& options) {
  const TierLimits tier = find_tier(options.tier);
  const auto scale = [&](long v) { return static_cast<long>(static_cast<double>(v) * options.speedup); };
  const TierLimits scaled{tier.name, tier.model_class, scale(tier.rpm), scale(tier.itpm), scale(tier.otpm)};
  constexpr int local_slots = 8;
  const int max_wait_ms = static_cast<int>(20'000 / options.speedup);  // a 20 s wait, sped up

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct RestoreSignals {
    struct sigaction i, t;
    ~RestoreSignals() {
      sigaction(SIGINT, &i, nullptr);
      sigaction(SIGTERM, &t, nullptr);
    }
  } restore{old_int, old_term};

  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::printf(
      "spillway demo: %d Claude Code-like agents (tool loops with growing context, sub-agents, side requests),\n"
      "run twice for %.0f s each: straight to a simulated premium provider, then through spillway.\n\n"
      "  premium  simulated Anthropic API held to %s for %s: rpm %ld, itpm %ld, otpm %ld\n"
      "  speed    simulated time runs %.0fx fast: the models answer %.0fx faster and the premium's buckets refill\n"
      "           %.0fx faster (each still holds one minute of the tier), so per minute of demo time the limits are\n"
      "           rpm %ld, itpm %ld, otpm %ld, and %.0f s here is about %.1f minutes of a real team's work\n"
      "  local    simulated open-weights server (OpenAI API, %d slots), used only through spillway\n"
      "  failure  an error that reaches the agent after the SDK's %d retries (honouring retry-after);\n"
      "           a failed main-loop or sub-agent request fails its task\n\n",
      options.agents, options.duration_s, tier.name.c_str(), tier.model_class.c_str(), tier.rpm, tier.itpm, tier.otpm,
      options.speedup, options.speedup, options.speedup, scaled.rpm, scaled.itpm, scaled.otpm, options.duration_s,
      options.duration_s * options.speedup / 60.0, local_slots, sdk_max_retries);
  std::fflush(stdout);
  ProgressView view(stdout, tty);
  const auto tag = std::to_string(getpid()) + "-" + std::to_string(unix_ms());

  // Run A: straight at the premium, as an agent does today.
  std::printf("Run A: agents straight to the premium provider\n");
  AgentRunResult direct;
  long direct_429s = -1;
  {
    ChildProcess premium(premium_args(tier, options.speedup));
    const auto url = premium.wait_for_url(10s);
    std::printf("  premium %s\n", url.c_str());
    AgentRunConfig config{.url = url,
                          .through_gateway = false,
                          .agents = options.agents,
                          .duration_s = options.duration_s,
                          .seed = options.seed,
                          .session_prefix = "demo-direct-" + tag};
    direct = run_phase("direct", config, view);
    direct_429s = premium_429s(url);
    premium.stop();
  }
  if (interrupted) {
    std::printf("\nspillway demo: interrupted; every process it started is stopped\n");
    return 130;
  }

  // Run B: the same work through spillway, premium first, overflow to the local server.
  std::printf("\nRun B: the same agents through spillway (senior: premium, overflow local; junior: local)\n");
  AgentRunResult routed;
  long routed_429s = -1;
  const std::int64_t since_ms = unix_ms();
  std::string gateway_url;
  std::string premium_url;
  std::string local_url;
  {
    ChildProcess premium(premium_args(tier, options.speedup));
    // A 32B coder model on one GPU: ~0.3 s to the first token, ~40 tokens/s per request.
    ChildProcess local({"mock-provider", "--dialect", "openai", "--max-concurrency", std::to_string(local_slots),
                        "--ttft-ms", std::to_string(static_cast<long>(300 / options.speedup)), "--tokens-per-s",
                        std::to_string(static_cast<long>(40 * options.speedup)), "--reply", local_reply});
    premium_url = premium.wait_for_url(10s);
    local_url = local.wait_for_url(10s);
    const auto config_path =
        (std::filesystem::temp_directory_path() / ("spillway-demo-" + std::to_string(getpid()) + ".yaml")).string();
    write_config(config_path, premium_url, local_url, options.db, scaled, local_slots, max_wait_ms);
    std::optional<ChildProcess> gateway;
    try {
      gateway.emplace(std::vector<std::string>{"serve", "--config", config_path});
      gateway_url = gateway->wait_for_url(10s);
    } catch (...) {
      std::filesystem::remove(config_path);
      throw;
    }
    std::printf("  premium %s\n  local   %s\n  gateway %s   audit db %s\n", premium_url.c_str(), local_url.c_str(),
                gateway_url.c_str(), options.db.c_str());
    AgentRunConfig config{.url = gateway_url,
                          .through_gateway = true,
                          .agents = options.agents,
                          .duration_s = options.duration_s,
                          .seed = options.seed,
                          .session_prefix = "demo-spillway-" + tag};
    routed = run_phase("spillway", config, view);
    routed_429s = premium_429s(premium_url);
    if (options.keep_running && !interrupted) {
      std::printf("\ngateway stays up at %s (config %s); its dashboard: %s/ui; Ctrl-C to stop\n",
                  gateway_url.c_str(), config_path.c_str(), gateway_url.c_str());
      std::fflush(stdout);
      while (!interrupted) {
        std::this_thread::sleep_for(100ms);
      }
    }
    gateway->stop();  // drains, then writes its last usage records
    gateway.reset();
    local.stop();
    premium.stop();
    std::filesystem::remove(config_path);
  }
  std::printf("  all simulators and the gateway stopped\n");
  if (interrupted && !options.keep_running) {
    std::printf("\nspillway demo: interrupted; every process it started is stopped\n");
    return 130;
  }

  const GatewayFigures audit = read_gateway_figures(options.db, since_ms);
  const RunFigures a = direct_figures(direct, direct_429s);
  const RunFigures b = gateway_figures(routed, routed_429s, audit);
  std::printf("\nSummary (%d agents, %.0f s per run, %s limits x%.0f)\n\n%s", options.agents, options.duration_s,
              tier.name.c_str(), options.speedup, format_summary(a, b, tier.itpm, scaled.itpm).c_str());
  std::printf(
      "\nThe direct run's figures are what the agents' client measured; the spillway run's tier, token, queue\n"
      "and cost figures are read back from its audit database, %s (requests since %s).\n",
      options.db.c_str(), iso_utc_ms(since_ms).c_str());

  // The token velocity report of the gateway run, as `spillway audit` gives it.
  std::printf("\n$ spillway audit --db %s --since %s --by agent\n", options.db.c_str(), iso_utc_ms(since_ms).c_str());
  std::fflush(stdout);
  const int audit_rc = run_self({"audit", "--db", options.db, "--since", iso_utc_ms(since_ms), "--by", "agent"});
  if (audit_rc != 0) {
    std::fprintf(stderr, "spillway demo: the audit report failed (exit %d)\n", audit_rc);
    return 1;
  }
  return 0;
}

}  // namespace spillway::sim
