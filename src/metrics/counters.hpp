#pragma once
// Process-wide counters: every decision the gateway takes bumps one, tests read them through
// GET /metrics, and so do operators (Prometheus text format).
#include <atomic>
#include <cstdint>
#include <string>

namespace spillway::metrics {

using Counter = std::atomic<std::uint64_t>;

struct GatewayCounters {
  Counter requests_total{0};
  Counter responses_2xx{0};
  Counter responses_4xx{0};
  Counter responses_5xx{0};
  Counter auth_rejected{0};
  Counter body_too_large{0};
  Counter bad_json{0};
  Counter unknown_model{0};
  Counter upstream_attempts{0};
  Counter upstream_connect_failures{0};
  Counter upstream_timeouts{0};
  Counter upstream_error_statuses{0};   // 429 / 5xx answers from upstreams
  Counter failovers{0};                 // a later candidate tried after an earlier one failed
  Counter streams_relayed{0};
  Counter streams_broken{0};            // upstream failed after the first byte
  Counter stream_events_relayed{0};     // body pieces written to clients while streaming
  Counter stream_pings_sent{0};         // keep-alive pings written while an upstream was silent
  Counter reloads{0};                   // config reloads put in force (SIGHUP, POST /admin/reload)
  Counter reload_failures{0};           // reloads refused (the running config stayed)
};

GatewayCounters& counters();

inline void bump(Counter& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

void count_response(unsigned status);

std::string render_prometheus(const GatewayCounters& c);

}  // namespace spillway::metrics
