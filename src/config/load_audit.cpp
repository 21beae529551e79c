#include "config/loader.hpp"
#include "config/read_file.hpp"

namespace spillway::config::detail {

Audit read_audit(const YamlFile& file, const Field& field) {
  Audit audit;
  if (field.value.IsScalar() && (field.value.Scalar() == "off" || field.value.Scalar() == "false")) {
    audit.sqlite.clear();
    return audit;
  }
  if (!field.value.IsMap()) {
    file.fail(field.line, "audit: expected `off` or a mapping such as {sqlite: ./spillway.db}");
  }
  MapFields map(file, field,
                {"sqlite", "store_content", "max_content_bytes", "prices", "queue_limit", "flush_interval_ms", "tiers",
                 "gpu_input_tokens_per_s", "gpu_output_tokens_per_s"});
  if (auto f = map.get("sqlite")) {
    audit.sqlite = as_string(file, *f, "expected the path of the SQLite file, or `off`");
    if (audit.sqlite == "off") {
      audit.sqlite.clear();
    }
  }
  if (auto f = map.get("store_content")) {
    audit.store_content = as_bool(file, *f);
  }
  if (auto f = map.get("max_content_bytes")) {
    audit.max_content_bytes = as_byte_size(file, *f);
  }
  if (auto f = map.get("prices")) {
    audit.prices_file = as_string(file, *f, "expected the path of a prices file (format: data/prices.yaml)");
    if (auto why = read_whole_file(audit.prices_file, audit.prices_yaml)) {
      file.fail(f->line, "audit.prices: cannot read " + audit.prices_file + ": " + *why);
    }
  }
  if (auto f = map.get("tiers")) {
    audit.tiers_file = as_string(file, *f, "expected the path of a tiers file (format: data/tiers.yaml)");
    if (auto why = read_whole_file(audit.tiers_file, audit.tiers_yaml)) {
      file.fail(f->line, "audit.tiers: cannot read " + audit.tiers_file + ": " + *why);
    }
  }
  if (auto f = map.get("gpu_input_tokens_per_s")) {
    audit.gpu_input_tokens_per_s = static_cast<double>(as_uint(file, *f, 1, 1'000'000'000));
  }
  if (auto f = map.get("gpu_output_tokens_per_s")) {
    audit.gpu_output_tokens_per_s = static_cast<double>(as_uint(file, *f, 1, 1'000'000'000));
  }
  if (auto f = map.get("queue_limit")) {
    audit.queue_limit = as_uint(file, *f, 1, 10'000'000);
  }
  if (auto f = map.get("flush_interval_ms")) {
    audit.flush_interval = milliseconds(as_uint(file, *f, 1, 60'000));
  }
  return audit;
}

}  // namespace spillway::config::detail
