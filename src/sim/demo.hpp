#pragma once
// `spillway demo`: a team of simulated agents (demo_workload.hpp) against a simulated premium
// provider held to a real tier's limits, run twice for the same time: once straight at the
// premium, as agents run today, then through spillway with a senior/junior route set (premium
// first, overflow to a simulated local open-weights server). A live table while they run, then
// the two side by side (demo_summary.hpp) and the token velocity report of the gateway run's
// audit database, which is kept for `spillway audit`. Everything runs as real processes on
// loopback, needs no key and no network, and every child is stopped by its PID before the
// command returns, Ctrl-C included. docs/demo.md tells the whole story.
#include <cstdint>
#include <string>

namespace spillway::sim {

struct DemoOptions {
  double duration_s = 25;                  // per run
  int agents = 6;
  std::string tier = "anthropic-tier-2";   // data/tiers.yaml, as PROVIDER-TIER
  double speedup = 10;                     // simulated time runs this much faster than real time
  std::string db = "spillway-demo.db";     // the gateway run's audit database (appended to)
  std::uint64_t seed = 1;
  bool keep_running = false;  // leave the gateway up after its run (until Ctrl-C)
};

int run_demo(const DemoOptions& options);

// "anthropic-tier-2" for provider "anthropic", tier "tier 2"; "anthropic-start-2026" for
// "start (2026)": lower case, runs of other characters as one '-'.
std::string tier_slug(const std::string& provider, const std::string& tier);

}  // namespace spillway::sim
