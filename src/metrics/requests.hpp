#pragma once
// Metrics fed by usage records (audit/record.hpp): requests, tokens by kind and cost per
// upstream, route and status, and latency and time-to-first-byte histograms per upstream.
// Label values come from the config (upstream names, route patterns) and a fixed set of
// status classes; past max_series distinct label sets, new ones are folded into "other", so a
// misbehaving client cannot blow up the cardinality.
#include <cstdint>
#include <string>

#include "audit/record.hpp"

namespace spillway::metrics {

inline constexpr std::size_t max_series = 1000;

// Thread-safe. `latency_s`: from reading the request to the end of its response.
void observe(const audit::Record& record, double latency_s);

// Prometheus text of everything observe() counted.
std::string render_requests();

// The audit sink's own counters; `enabled` false renders them as zero.
std::string render_audit(bool enabled, std::uint64_t written, std::uint64_t dropped, std::size_t queued);

}  // namespace spillway::metrics
