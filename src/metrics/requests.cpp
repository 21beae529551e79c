#include "metrics/requests.hpp"

#include <array>
#include <map>
#include <string_view>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

namespace spillway::metrics {

namespace {

// Seconds. Agents' requests run from milliseconds (a local model's short answer) to minutes.
constexpr std::array<double, 15> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

struct Histogram {
  std::array<std::uint64_t, buckets.size()> counts{};  // not cumulative; rendered cumulative
  std::uint64_t count = 0;
  double sum = 0;
  void add(double v) {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      if (v <= buckets[i]) {
        ++counts[i];
        break;
      }
    }
    ++count;
    sum += v;
  }
};

struct Series {
  std::uint64_t requests = 0;
  std::uint64_t input = 0;
  std::uint64_t output = 0;
  std::uint64_t cache_read = 0;
  std::uint64_t cache_write = 0;
  std::uint64_t estimated = 0;  // requests whose tokens are the gateway's estimate
  double cost = 0;
};

struct Timing {
  Histogram latency;
  Histogram ttft;
};

using Labels = std::tuple<std::string, std::string, std::string>;  // upstream, route, status

using LabelViews = std::tuple<std::string_view, std::string_view, std::string_view>;

struct Registry {
  std::mutex mutex;
  std::map<Labels, Series, std::less<>> series;  // looked up by LabelViews: no string built per request
  std::map<std::string, Timing, std::less<>> timing;  // by upstream
};

Registry& registry() {
  static Registry r;
  return r;
}

const char* status_class(int status) {
  if (status == 0) {
    return "none";  // the client went away before a response
  }
  if (status == 429) {
    return "429";
  }
  if (status < 300) {
    return "2xx";
  }
  if (status < 400) {
    return "3xx";
  }
  return status < 500 ? "4xx" : "5xx";
}

// Label values are config names or route globs; escape them anyway (\, " and newline).
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

void observe(const audit::Record& r, double latency_s) {
  auto& reg = registry();
  const std::string_view upstream = r.upstream.empty() ? std::string_view("none") : std::string_view(r.upstream);
  const LabelViews labels{upstream, r.route.empty() ? std::string_view("none") : std::string_view(r.route),
                          status_class(r.status)};
  std::lock_guard lock(reg.mutex);
  auto it = reg.series.find(labels);
  if (it == reg.series.end()) {
    Labels owned{std::string(std::get<0>(labels)), std::string(std::get<1>(labels)), std::string(std::get<2>(labels))};
    if (reg.series.size() >= max_series) {
      owned = {"other", "other", std::get<2>(owned)};
    }
    it = reg.series.try_emplace(std::move(owned)).first;
  }
  auto& s = it->second;
  ++s.requests;
  s.input += static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.input_tokens));
  s.output += static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.output_tokens));
  s.cache_read += static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.cache_read_tokens));
  s.cache_write += static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.cache_write_tokens));
  s.estimated += r.usage_estimated ? 1 : 0;
  s.cost += r.cost_usd.value_or(0);
  auto t = reg.timing.find(upstream);
  if (t == reg.timing.end()) {
    t = reg.timing.try_emplace(reg.timing.size() >= max_series ? std::string("other") : std::string(upstream)).first;
  }
  t->second.latency.add(latency_s);
  if (r.ttft_ms >= 0) {
    t->second.ttft.add(static_cast<double>(r.ttft_ms) / 1000.0);
  }
}

std::string render_requests() {
  auto& reg = registry();
  std::string out;
  std::lock_guard lock(reg.mutex);
  auto labels = [](const Labels& l) {
    return "upstream=\"" + escape(std::get<0>(l)) + "\",route=\"" + escape(std::get<1>(l)) + "\"";
  };
  out += "# HELP spillway_upstream_requests_total Model requests answered, by the upstream that served them, route "
         "and status class.\n# TYPE spillway_upstream_requests_total counter\n";
  for (const auto& [l, s] : reg.series) {
    out += "spillway_upstream_requests_total{" + labels(l) + ",status=\"" + std::get<2>(l) + "\"} " +
           std::to_string(s.requests) + '\n';
  }
  // Tokens and cost do not depend on the status class: summed over it.
  std::map<std::pair<std::string, std::string>, Series> by_route;
  for (const auto& [l, s] : reg.series) {
    auto& t = by_route[{std::get<0>(l), std::get<1>(l)}];
    t.input += s.input;
    t.output += s.output;
    t.cache_read += s.cache_read;
    t.cache_write += s.cache_write;
    t.estimated += s.estimated;
    t.cost += s.cost;
  }
  out += "# HELP spillway_tokens_total Tokens used, by kind (input excludes cache reads and writes).\n"
         "# TYPE spillway_tokens_total counter\n";
  for (const auto& [k, s] : by_route) {
    const auto base = labels({k.first, k.second, ""});
    out += "spillway_tokens_total{" + base + ",kind=\"input\"} " + std::to_string(s.input) + '\n';
    out += "spillway_tokens_total{" + base + ",kind=\"output\"} " + std::to_string(s.output) + '\n';
    out += "spillway_tokens_total{" + base + ",kind=\"cache_read\"} " + std::to_string(s.cache_read) + '\n';
    out += "spillway_tokens_total{" + base + ",kind=\"cache_write\"} " + std::to_string(s.cache_write) + '\n';
  }
  out += "# HELP spillway_usage_estimated_total Requests whose upstream reported no usage (tokens estimated).\n"
         "# TYPE spillway_usage_estimated_total counter\n";
  for (const auto& [k, s] : by_route) {
    out += "spillway_usage_estimated_total{" + labels({k.first, k.second, ""}) + "} " + std::to_string(s.estimated) + '\n';
  }
  out += "# HELP spillway_cost_usd_total Cost of the tokens used, from the price table (docs/audit.md).\n"
         "# TYPE spillway_cost_usd_total counter\n";
  for (const auto& [k, s] : by_route) {
    out += "spillway_cost_usd_total{" + labels({k.first, k.second, ""}) + "} " + number(s.cost) + '\n';
  }
  auto histogram = [&](const char* name, const char* help, auto pick) {
    out += std::string("# HELP spillway_") + name + ' ' + help + "\n# TYPE spillway_" + name + " histogram\n";
    for (const auto& [upstream, t] : reg.timing) {
      const Histogram& h = pick(t);
      const auto u = "upstream=\"" + escape(upstream) + "\"";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += h.counts[i];
        out += std::string("spillway_") + name + "_bucket{" + u + ",le=\"" + number(buckets[i]) + "\"} " +
               std::to_string(cumulative) + '\n';
      }
      out += std::string("spillway_") + name + "_bucket{" + u + ",le=\"+Inf\"} " + std::to_string(h.count) + '\n';
      out += std::string("spillway_") + name + "_sum{" + u + "} " + number(h.sum) + '\n';
      out += std::string("spillway_") + name + "_count{" + u + "} " + std::to_string(h.count) + '\n';
    }
  };
  histogram("request_duration_seconds", "Time from reading a model request to the end of its response.",
            [](const Timing& t) -> const Histogram& { return t.latency; });
  histogram("time_to_first_byte_seconds", "Time from reading a model request to the first byte of its response body.",
            [](const Timing& t) -> const Histogram& { return t.ttft; });
  return out;
}

std::string render_audit(bool enabled, std::uint64_t written, std::uint64_t dropped, std::size_t queued) {
  return "# HELP spillway_audit_enabled Whether usage records are written to the audit database.\n"
         "# TYPE spillway_audit_enabled gauge\nspillway_audit_enabled " + std::string(enabled ? "1" : "0") +
         "\n# HELP spillway_audit_records_written_total Usage records written to the audit database.\n"
         "# TYPE spillway_audit_records_written_total counter\nspillway_audit_records_written_total " +
         std::to_string(written) +
         "\n# HELP spillway_audit_records_dropped_total Usage records lost: queue full or a failed write.\n"
         "# TYPE spillway_audit_records_dropped_total counter\nspillway_audit_records_dropped_total " +
         std::to_string(dropped) +
         "\n# HELP spillway_audit_queue Usage records waiting for the writer.\n"
         "# TYPE spillway_audit_queue gauge\nspillway_audit_queue " + std::to_string(queued) + "\n";
}

}  // namespace spillway::metrics
