#include "audit/capacity_plan.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace spillway::audit {

namespace {

std::vector<std::int64_t> per_minute(const MinuteSeries& s, std::int64_t (*pick)(const MinuteCounts&)) {
  std::vector<std::int64_t> out;
  out.reserve(s.minutes.size());
  for (const auto& m : s.minutes) {
    out.push_back(pick(m));
  }
  return out;
}

std::int64_t uncached_input(const MinuteCounts& m) { return m.tokens.input + m.tokens.cache_write; }
std::int64_t all_input(const MinuteCounts& m) {
  return m.tokens.input + m.tokens.cache_write + m.tokens.cache_read;
}
std::int64_t output(const MinuteCounts& m) { return m.tokens.output; }
std::int64_t all_tokens(const MinuteCounts& m) { return m.tokens.total(); }
std::int64_t requests(const MinuteCounts& m) { return m.requests; }

// The class a row's traffic belongs to at this provider, if any.
const ModelClass* class_of(const Provider& p, const Record& r) {
  if (const auto* c = p.find_class(r.upstream_model)) {
    return c;
  }
  return r.overflowed ? p.find_class(r.model) : nullptr;
}

ClassDemand demand_of(const Provider& p, const ModelClass& c, const std::vector<Record>& rows,
                      const MinuteSeries& frame) {
  ClassDemand d;
  d.provider = p.name;
  d.model_class = c.name;
  std::set<std::string> models;
  const auto mine = [&](const Record& r) { return class_of(p, r) == &c; };
  for (const auto& r : rows) {
    if (mine(r)) {
      ++d.requests;
      models.insert(p.find_class(r.upstream_model) == &c ? r.upstream_model : r.model);
    }
  }
  d.models.assign(models.begin(), models.end());
  const auto s = series_over(rows, frame, mine);
  d.rpm = quantiles(per_minute(s, requests));
  d.itpm = quantiles(per_minute(s, c.counts_cache_reads ? all_input : uncached_input));
  d.otpm = quantiles(per_minute(s, output));
  d.tpm = quantiles(per_minute(s, all_tokens));
  for (const auto& t : c.tiers) {
    TierVerdict v;
    v.tier = t.name;
    const auto check = [&](const char* dim, std::int64_t limit, const Quantiles& q) {
      if (limit > 0) {
        v.checks.push_back({dim, limit, q.p95, q.max});
      }
    };
    check("rpm", t.rpm, d.rpm);
    check("itpm", t.itpm, d.itpm);
    check("otpm", t.otpm, d.otpm);
    check("tpm", t.tpm, d.tpm);
    d.tiers.push_back(std::move(v));
  }
  return d;
}

std::int64_t units_for(const ProvisionedOffer& o, std::int64_t total, std::int64_t input, std::int64_t out) {
  std::int64_t units = ceil_div(total, o.tokens_per_minute);
  if (o.input_tokens_per_minute > 0) {
    units = std::max(units, ceil_div(input, o.input_tokens_per_minute));
  }
  if (o.output_tokens_per_minute > 0) {
    units = std::max(units, ceil_div(out, o.output_tokens_per_minute));
  }
  return units;
}

// GPUs for a load of `in` and `out` tokens per minute: each GPU gives its second to prefill
// and decode in proportion, so the fractions add up. A hair of tolerance keeps 2.0000000001
// (floating-point noise) from becoming 3.
std::int64_t gpus_for(double in_per_min, double out_per_min, const GpuFigures& g) {
  const double load = in_per_min / 60.0 / g.input_tokens_per_s + out_per_min / 60.0 / g.output_tokens_per_s;
  return static_cast<std::int64_t>(std::ceil(load - 1e-9));
}

}  // namespace

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

bool TierVerdict::holds_p95() const {
  return std::all_of(checks.begin(), checks.end(), [](const LimitCheck& c) { return c.holds_p95(); });
}
bool TierVerdict::holds_peak() const {
  return std::all_of(checks.begin(), checks.end(), [](const LimitCheck& c) { return c.holds_peak(); });
}

CapacityPlan plan_capacity(const std::vector<Record>& rows, const MinuteSeries& series, const TierTable& tiers,
                           const std::optional<GpuFigures>& gpu) {
  CapacityPlan plan;
  for (const auto& p : tiers.providers()) {
    for (const auto& c : p.classes) {
      const bool used = std::any_of(rows.begin(), rows.end(), [&](const Record& r) { return class_of(p, r) == &c; });
      if (used) {
        plan.classes.push_back(demand_of(p, c, rows, series));
      }
    }
  }
  const auto total = quantiles(per_minute(series, all_tokens));
  const auto prompt = quantiles(per_minute(series, all_input));
  const auto out = quantiles(per_minute(series, output));
  for (const auto& o : tiers.provisioned()) {
    ProvisionedNeed need;
    need.offer = o;
    need.units_p95 = units_for(o, total.p95, prompt.p95, out.p95);
    need.units_peak = units_for(o, total.max, prompt.max, out.max);
    if (o.usd_per_unit_hour) {
      need.usd_per_hour_peak = static_cast<double>(need.units_peak) * *o.usd_per_unit_hour;
    }
    plan.provisioned.push_back(std::move(need));
  }
  if (gpu && gpu->input_tokens_per_s > 0 && gpu->output_tokens_per_s > 0) {
    const auto in = quantiles(per_minute(series, uncached_input));
    GpuNeed g;
    g.basis = gpu->basis;
    g.input_tokens_per_s = gpu->input_tokens_per_s;
    g.output_tokens_per_s = gpu->output_tokens_per_s;
    g.peak_input_per_s = static_cast<double>(in.max) / 60.0;
    g.peak_output_per_s = static_cast<double>(out.max) / 60.0;
    g.peak_prompt_per_s = static_cast<double>(prompt.max) / 60.0;
    g.gpus_p95 = gpus_for(static_cast<double>(in.p95), static_cast<double>(out.p95), *gpu);
    g.gpus_peak = gpus_for(static_cast<double>(in.max), static_cast<double>(out.max), *gpu);
    g.gpus_peak_no_prefix_cache = gpus_for(static_cast<double>(prompt.max), static_cast<double>(out.max), *gpu);
    plan.gpu = g;
  }
  return plan;
}

}  // namespace spillway::audit
