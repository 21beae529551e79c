#pragma once
// The capacity answer: would a provider tier's limits have held this traffic, and how much
// provisioned throughput or how many local GPUs would carry its peak with no overflow.
//
// Everything compares per-minute figures (velocity.hpp): a provider's token bucket refills
// continuously, so bursts inside one minute can still be refused below these numbers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/percentile.hpp"
#include "audit/record.hpp"
#include "audit/tiers.hpp"
#include "audit/velocity.hpp"

namespace spillway::audit {

// One limit of one tier against the traffic's p95 and peak minute on that dimension.
struct LimitCheck {
  std::string dimension;  // "rpm" | "itpm" | "otpm" | "tpm"
  std::int64_t limit = 0;
  std::int64_t p95 = 0;
  std::int64_t peak = 0;
  bool holds_p95() const { return p95 <= limit; }
  bool holds_peak() const { return peak <= limit; }
};

struct TierVerdict {
  std::string tier;
  std::vector<LimitCheck> checks;
  bool holds_p95() const;
  bool holds_peak() const;
};

// The traffic of one provider's model class: rows whose upstream model is in the class, and
// overflowed rows whose requested model is (they were meant for it).
struct ClassDemand {
  std::string provider;
  std::string model_class;
  std::vector<std::string> models;  // the names seen, sorted
  std::int64_t requests = 0;
  Quantiles rpm;
  Quantiles itpm;  // input + cache writes (+ cache reads where the class counts them)
  Quantiles otpm;
  Quantiles tpm;   // all tokens
  std::vector<TierVerdict> tiers;
};

struct ProvisionedNeed {
  ProvisionedOffer offer;
  std::int64_t units_p95 = 0;
  std::int64_t units_peak = 0;
  std::optional<double> usd_per_hour_peak;  // units_peak x the unit's hourly price
};

struct GpuNeed {
  std::string basis;  // where the per-GPU figures came from
  double input_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  // Peaks of the whole window's traffic, per second (per-minute figure / 60). Input here is
  // uncached prompt: input + cache writes, assuming the local server's prefix cache hits as
  // often as the provider's did.
  double peak_input_per_s = 0;
  double peak_output_per_s = 0;
  double peak_prompt_per_s = 0;  // input + cache reads + cache writes: no prefix cache at all
  std::int64_t gpus_p95 = 0;
  std::int64_t gpus_peak = 0;
  std::int64_t gpus_peak_no_prefix_cache = 0;
};

struct GpuFigures {
  double input_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  std::string basis;
};

struct CapacityPlan {
  std::vector<ClassDemand> classes;  // only classes some request used
  std::vector<ProvisionedNeed> provisioned;
  std::optional<GpuNeed> gpu;  // nullopt without GPU figures
};

// `series` is the whole window's (Velocity::series), `rows` the same rows it was built from.
CapacityPlan plan_capacity(const std::vector<Record>& rows, const MinuteSeries& series, const TierTable& tiers,
                           const std::optional<GpuFigures>& gpu);

// ceil(a / b) for a >= 0, b > 0.
std::int64_t ceil_div(std::int64_t a, std::int64_t b);

}  // namespace spillway::audit
