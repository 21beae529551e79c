#pragma once
// `spillway demo`: the gateway in front of two simulated providers (a premium Anthropic-style
// API and an always-on local OpenAI-compatible server), driven by a short burst of requests
// from a few simulated agents, then a summary of what was served. Everything runs as real
// processes on loopback and is stopped before the command returns.
#include <string>

namespace spillway::sim {

struct DemoOptions {
  int requests = 48;
  int concurrency = 6;
  bool keep_running = false;  // leave the gateway up after the burst (until Ctrl-C)
};

int run_demo(const DemoOptions& options);

}  // namespace spillway::sim
