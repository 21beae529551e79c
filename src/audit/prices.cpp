#include "audit/prices.hpp"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "route/router.hpp"

namespace spillway::audit {

extern const char builtin_prices_yaml[];  // generated from data/prices.yaml (CMakeLists.txt)

namespace {

[[noreturn]] void fail(const std::string& name, const YAML::Node& node, const std::string& message) {
  const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  throw std::runtime_error(name + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message);
}

double rate(const std::string& name, const YAML::Node& entry, const char* key, bool required) {
  const auto node = entry[key];
  if (!node) {
    if (required) {
      fail(name, entry, std::string("a price entry needs `") + key + "` (USD per million tokens)");
    }
    return -1;
  }
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    fail(name, node, std::string("`") + key + "` must be a number (USD per million tokens)");
  }
  if (!(value >= 0) || value > 1e6) {
    fail(name, node, std::string("`") + key + "` must be between 0 and 1000000");
  }
  return value;
}

}  // namespace

PriceTable PriceTable::builtin() { return parse(builtin_prices_yaml, "data/prices.yaml"); }

PriceTable PriceTable::parse(std::string_view yaml, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) {
    fail(name, root, "a prices file is a mapping with `models:` (a list of {match, input, output, ...})");
  }
  PriceTable table;
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key == "date") {
      table.date_ = kv.second.as<std::string>();
    } else if (key == "source") {
      table.source_ = kv.second.as<std::string>();
    } else if (key != "models") {
      fail(name, kv.first, "unknown key `" + key + "` (expected date, source, models)");
    }
  }
  const auto models = root["models"];
  if (!models || !models.IsSequence()) {
    fail(name, root, "`models:` must be a list of {match, input, output, cache_read, cache_write}");
  }
  for (const auto& entry : models) {
    if (!entry.IsMap() || !entry["match"] || !entry["match"].IsScalar()) {
      fail(name, entry, "each price entry needs `match:` (a model name or glob)");
    }
    for (const auto& kv : entry) {
      const auto k = kv.first.as<std::string>();
      if (k != "match" && k != "input" && k != "output" && k != "cache_read" && k != "cache_write") {
        fail(name, kv.first, "unknown key `" + k + "` in a price entry");
      }
    }
    PriceEntry e;
    e.match = entry["match"].as<std::string>();
    e.price.input = rate(name, entry, "input", true);
    e.price.output = rate(name, entry, "output", true);
    const double read = rate(name, entry, "cache_read", false);
    const double write = rate(name, entry, "cache_write", false);
    // Unstated cache rates cost what plain input costs: never cheaper than the truth.
    e.price.cache_read = read >= 0 ? read : e.price.input;
    e.price.cache_write = write >= 0 ? write : e.price.input;
    table.entries_.push_back(std::move(e));
  }
  return table;
}

void PriceTable::put_in_front(const PriceTable& front) {
  std::vector<PriceEntry> merged = front.entries_;
  merged.insert(merged.end(), entries_.begin(), entries_.end());
  entries_ = std::move(merged);
  if (!front.date_.empty()) {
    date_ = front.date_ + " (overrides), " + date_;
  }
  if (!front.source_.empty()) {
    source_ = front.source_ + "; then " + source_;
  }
}

std::optional<Price> PriceTable::find(std::string_view model) const {
  for (const auto& e : entries_) {
    if (route::glob_match(e.match, model)) {
      return e.price;
    }
  }
  return std::nullopt;
}

double cost_usd(const Price& p, std::int64_t input, std::int64_t output, std::int64_t cache_read,
                std::int64_t cache_write) {
  return (static_cast<double>(input) * p.input + static_cast<double>(output) * p.output +
          static_cast<double>(cache_read) * p.cache_read + static_cast<double>(cache_write) * p.cache_write) /
         1e6;
}

}  // namespace spillway::audit
