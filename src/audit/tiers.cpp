#include "audit/tiers.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <stdexcept>

#include "route/router.hpp"

namespace spillway::audit {

extern const char builtin_tiers_yaml[];  // generated from data/tiers.yaml (CMakeLists.txt)

namespace {

// Every error names the file and the line, like the config's and the price table's.
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw std::runtime_error(name_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message);
  }

  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, const char* what) const {
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) {
          list += (list.empty() ? "" : ", ") + std::string(a);
        }
        fail(kv.first, "unknown key `" + key + "` in " + what + " (expected " + list + ")");
      }
    }
  }

  std::string text(const YAML::Node& map, const char* key, bool required, const char* what) const {
    const auto node = map[key];
    if (!node) {
      if (required) {
        fail(map, std::string(what) + " needs `" + key + "`");
      }
      return {};
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
      fail(node, std::string("`") + key + "` must be a non-empty string");
    }
    return node.Scalar();
  }

  // A positive whole number of tokens or requests; 0 when absent and not required.
  std::int64_t count(const YAML::Node& map, const char* key, bool required, const char* what) const {
    const auto node = map[key];
    if (!node) {
      if (required) {
        fail(map, std::string(what) + " needs `" + key + "`");
      }
      return 0;
    }
    std::int64_t value = 0;
    try {
      value = node.as<std::int64_t>();
    } catch (const YAML::Exception&) {
      fail(node, std::string("`") + key + "` must be a whole number");
    }
    if (value <= 0 || value > 1'000'000'000'000) {
      fail(node, std::string("`") + key + "` must be between 1 and 1000000000000");
    }
    return value;
  }

  double rate(const YAML::Node& map, const char* key, const char* what) const {
    const auto node = map[key];
    if (!node) {
      fail(map, std::string(what) + " needs `" + key + "`");
    }
    double value = 0;
    try {
      value = node.as<double>();
    } catch (const YAML::Exception&) {
      fail(node, std::string("`") + key + "` must be a number");
    }
    if (!(value > 0) || value > 1e9) {
      fail(node, std::string("`") + key + "` must be above 0 and at most 1000000000");
    }
    return value;
  }

  bool flag(const YAML::Node& map, const char* key) const {
    const auto node = map[key];
    if (!node) {
      return false;
    }
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      fail(node, std::string("`") + key + "` must be true or false");
    }
  }

  const YAML::Node& list(const YAML::Node& node, const std::string& what) const {
    if (!node.IsSequence()) {
      fail(node, what + " must be a list");
    }
    return node;
  }

 private:
  std::string name_;
};

Tier read_tier(const Reader& r, const YAML::Node& node) {
  if (!node.IsMap()) {
    r.fail(node, "a tier is a mapping such as {name: \"tier 1\", rpm: 50, itpm: 30000, otpm: 8000}");
  }
  r.only_keys(node, {"name", "rpm", "itpm", "otpm", "tpm"}, "a tier");
  Tier t;
  t.name = r.text(node, "name", true, "a tier");
  t.rpm = r.count(node, "rpm", false, "a tier");
  t.itpm = r.count(node, "itpm", false, "a tier");
  t.otpm = r.count(node, "otpm", false, "a tier");
  t.tpm = r.count(node, "tpm", false, "a tier");
  if (t.rpm == 0 && t.itpm == 0 && t.otpm == 0 && t.tpm == 0) {
    r.fail(node, "tier `" + t.name + "` has no limit (give rpm, itpm, otpm or tpm)");
  }
  return t;
}

ModelClass read_class(const Reader& r, const YAML::Node& node) {
  if (!node.IsMap()) {
    r.fail(node, "a model class is a mapping {name, match, tiers}");
  }
  r.only_keys(node, {"name", "match", "counts_cache_reads", "tiers"}, "a model class");
  ModelClass c;
  c.name = r.text(node, "name", true, "a model class");
  const auto match = node["match"];
  if (!match) {
    r.fail(node, "model class `" + c.name + "` needs `match:` (a list of model-name globs)");
  }
  for (const auto& glob : r.list(match, "`match`")) {
    if (!glob.IsScalar() || glob.Scalar().empty()) {
      r.fail(glob, "each `match` entry is a model name or glob");
    }
    c.match.push_back(glob.Scalar());
  }
  if (c.match.empty()) {
    r.fail(match, "model class `" + c.name + "` matches no model (empty `match`)");
  }
  c.counts_cache_reads = r.flag(node, "counts_cache_reads");
  const auto tiers = node["tiers"];
  if (!tiers) {
    r.fail(node, "model class `" + c.name + "` needs `tiers:`");
  }
  for (const auto& t : r.list(tiers, "`tiers`")) {
    c.tiers.push_back(read_tier(r, t));
  }
  return c;
}

Provider read_provider(const Reader& r, const YAML::Node& node) {
  if (!node.IsMap()) {
    r.fail(node, "a provider is a mapping {name, source, classes}");
  }
  r.only_keys(node, {"name", "source", "classes"}, "a provider");
  Provider p;
  p.name = r.text(node, "name", true, "a provider");
  p.source = r.text(node, "source", false, "a provider");
  const auto classes = node["classes"];
  if (!classes) {
    r.fail(node, "provider `" + p.name + "` needs `classes:`");
  }
  for (const auto& c : r.list(classes, "`classes`")) {
    p.classes.push_back(read_class(r, c));
  }
  return p;
}

ProvisionedOffer read_offer(const Reader& r, const YAML::Node& node) {
  if (!node.IsMap()) {
    r.fail(node, "a provisioned offer is a mapping {name, tokens_per_minute, ...}");
  }
  r.only_keys(node,
              {"name", "example", "tokens_per_minute", "input_tokens_per_minute", "output_tokens_per_minute",
               "usd_per_unit_hour"},
              "a provisioned offer");
  ProvisionedOffer o;
  o.name = r.text(node, "name", true, "a provisioned offer");
  o.example = r.flag(node, "example");
  o.tokens_per_minute = r.count(node, "tokens_per_minute", true, "a provisioned offer");
  o.input_tokens_per_minute = r.count(node, "input_tokens_per_minute", false, "a provisioned offer");
  o.output_tokens_per_minute = r.count(node, "output_tokens_per_minute", false, "a provisioned offer");
  if (node["usd_per_unit_hour"]) {
    o.usd_per_unit_hour = r.rate(node, "usd_per_unit_hour", "a provisioned offer");
  }
  return o;
}

LocalGpu read_gpu(const Reader& r, const YAML::Node& node) {
  if (!node.IsMap()) {
    r.fail(node, "`local_gpu` is a mapping {name, input_tokens_per_s, output_tokens_per_s}");
  }
  r.only_keys(node, {"name", "input_tokens_per_s", "output_tokens_per_s"}, "`local_gpu`");
  LocalGpu g;
  g.name = r.text(node, "name", false, "`local_gpu`");
  g.input_tokens_per_s = r.rate(node, "input_tokens_per_s", "`local_gpu`");
  g.output_tokens_per_s = r.rate(node, "output_tokens_per_s", "`local_gpu`");
  return g;
}

}  // namespace

const ModelClass* Provider::find_class(std::string_view model) const {
  for (const auto& c : classes) {
    for (const auto& glob : c.match) {
      if (route::glob_match(glob, model)) {
        return &c;
      }
    }
  }
  return nullptr;
}

TierTable TierTable::builtin() { return parse(builtin_tiers_yaml, "data/tiers.yaml"); }

TierTable TierTable::parse(std::string_view yaml, const std::string& name) {
  const Reader r(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) {
    r.fail(root, "a tiers file is a mapping with `providers:`, `provisioned:` and/or `local_gpu:`");
  }
  r.only_keys(root, {"date", "source", "providers", "provisioned", "local_gpu"}, "a tiers file");
  TierTable table;
  table.date_ = r.text(root, "date", false, "a tiers file");
  table.source_ = r.text(root, "source", false, "a tiers file");
  if (const auto providers = root["providers"]) {
    for (const auto& p : r.list(providers, "`providers`")) {
      auto provider = read_provider(r, p);
      for (const auto& seen : table.providers_) {
        if (seen.name == provider.name) {
          r.fail(p, "provider `" + provider.name + "` is listed twice");
        }
      }
      table.providers_.push_back(std::move(provider));
    }
  }
  if (const auto offers = root["provisioned"]) {
    table.has_provisioned_ = true;
    for (const auto& o : r.list(offers, "`provisioned`")) {
      table.provisioned_.push_back(read_offer(r, o));
    }
  }
  if (const auto gpu = root["local_gpu"]) {
    table.local_gpu_ = read_gpu(r, gpu);
  }
  return table;
}

void TierTable::override_with(const TierTable& over) {
  for (const auto& p : over.providers_) {
    auto it = std::find_if(providers_.begin(), providers_.end(), [&](const Provider& q) { return q.name == p.name; });
    if (it != providers_.end()) {
      *it = p;
    } else {
      providers_.push_back(p);
    }
  }
  if (over.has_provisioned_) {
    has_provisioned_ = true;
    provisioned_ = over.provisioned_;
  }
  if (over.local_gpu_) {
    local_gpu_ = over.local_gpu_;
  }
  if (!over.date_.empty()) {
    date_ = over.date_ + " (overrides), " + date_;
  }
  if (!over.source_.empty()) {
    source_ = over.source_ + "; then " + source_;
  }
}

}  // namespace spillway::audit
