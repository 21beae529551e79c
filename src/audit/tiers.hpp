#pragma once
// Provider rate-limit tiers, provisioned-throughput offers and local-GPU throughput: the
// figures the audit report's capacity answer compares traffic with. The table that ships is
// data/tiers.yaml, compiled into the binary; a file can replace parts of it (override()).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::audit {

// One tier's limits per minute; 0 = that limit does not exist for this provider.
struct Tier {
  std::string name;
  std::int64_t rpm = 0;
  std::int64_t itpm = 0;  // input tokens (+ cache writes; + cache reads when the class says)
  std::int64_t otpm = 0;  // output tokens
  std::int64_t tpm = 0;   // all tokens together (OpenAI style)
};

// Models sharing one bucket of limits ("Claude Sonnet 4.x").
struct ModelClass {
  std::string name;
  std::vector<std::string> match;   // globs on the upstream model name
  bool counts_cache_reads = false;  // cache reads count toward ITPM (older Anthropic models)
  std::vector<Tier> tiers;
};

struct Provider {
  std::string name;
  std::string source;
  std::vector<ModelClass> classes;  // first matching class wins

  const ModelClass* find_class(std::string_view model) const;
};

struct ProvisionedOffer {
  std::string name;
  bool example = false;  // figures are placeholders, not a real quote
  std::int64_t tokens_per_minute = 0;
  std::int64_t input_tokens_per_minute = 0;   // 0: no separate input limit
  std::int64_t output_tokens_per_minute = 0;  // 0: no separate output limit
  std::optional<double> usd_per_unit_hour;
};

struct LocalGpu {
  std::string name;
  double input_tokens_per_s = 0;
  double output_tokens_per_s = 0;
};

class TierTable {
 public:
  // The table that ships (data/tiers.yaml).
  static TierTable builtin();
  // Parses a tiers file; throws std::runtime_error "NAME:LINE: what is wrong". A file that
  // overrides may omit any section.
  static TierTable parse(std::string_view yaml, const std::string& name);

  // Each provider of `over` replaces the one of the same name (or is added); its
  // provisioned and local_gpu sections, when present, replace these; date and source say both.
  void override_with(const TierTable& over);

  const std::string& date() const { return date_; }
  const std::string& source() const { return source_; }
  const std::vector<Provider>& providers() const { return providers_; }
  const std::vector<ProvisionedOffer>& provisioned() const { return provisioned_; }
  const std::optional<LocalGpu>& local_gpu() const { return local_gpu_; }

 private:
  std::string date_;
  std::string source_;
  std::vector<Provider> providers_;
  bool has_provisioned_ = false;
  std::vector<ProvisionedOffer> provisioned_;
  std::optional<LocalGpu> local_gpu_;
};

}  // namespace spillway::audit
