#pragma once
// `spillway mock-provider`: a provider simulator that speaks the Anthropic or OpenAI dialect
// the way the real services do (JSON and SSE, rate limits, rate-limit headers, errors).
// Shares dialect/ with the gateway, never the server.
#include <string>

#include "common/dialect.hpp"

namespace spillway::sim {

struct MockOptions {
  Dialect dialect = Dialect::openai;
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  // Rate limits per minute, as token buckets refilling continuously; 0 = unlimited.
  long rpm = 0;
  long itpm = 0;
  long otpm = 0;
  // Simulated time runs this many times faster for the buckets' refill (they hold the same).
  double time_scale = 1;
  // Generation requests served at once; more wait first come first served (as vLLM queues
  // them). 0 = no limit.
  int max_concurrency = 0;
  int latency_ms = 0;         // before response headers
  int ttft_ms = 0;            // headers -> first token
  double tokens_per_s = 0;    // output pacing when streaming; 0 = as fast as possible
  std::string reply = "Hello from the spillway mock provider.";
  std::string script_file;    // scripted replies, see docs/mock-provider.md
  double fail_529_rate = 0;   // fraction of requests answered 529 / 503 overloaded
  double fail_500_rate = 0;   // fraction answered 500
  std::string tls_cert;       // serve HTTPS with this PEM certificate chain...
  std::string tls_key;        // ...and key
  std::string api_key;        // when set, requests must carry it (x-api-key or Bearer)
};

// Runs until SIGINT/SIGTERM. Prints "spillway mock-provider listening on URL" as its first
// line of stdout (flushed), where URL is http(s)://HOST:PORT with the port actually bound.
int run_mock_provider(const MockOptions& options);

}  // namespace spillway::sim
