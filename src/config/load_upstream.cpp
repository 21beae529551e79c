#include <algorithm>
#include <cctype>

#include "config/api_key.hpp"
#include "config/base_url.hpp"
#include "config/loader.hpp"
#include "config/read_file.hpp"

namespace spillway::config::detail {

namespace {

// Upstream names appear in routes, metrics labels and the audit log: keep them plain.
bool is_plain_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool is_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

constexpr std::uint64_t kMaxTimeoutMs = 7ull * 24 * 3600 * 1000;

Timeouts read_timeouts(const YamlFile& file, const Field& field) {
  MapFields map(file, field, {"connect_ms", "first_byte_ms", "between_events_ms", "total_ms"});
  Timeouts t;
  auto read = [&](std::string_view key, milliseconds& out) {
    if (auto f = map.get(key)) {
      out = milliseconds(as_uint(file, *f, 1, kMaxTimeoutMs));
    }
  };
  read("connect_ms", t.connect);
  read("first_byte_ms", t.first_byte);
  read("between_events_ms", t.between_events);
  read("total_ms", t.total);
  return t;
}

}  // namespace

Upstream read_upstream(const YamlFile& file, const Field& item, const EnvLookup& env) {
  MapFields map(file, item,
                {"name", "kind", "base_url", "api_key_env", "api_key_file", "ca_file", "models",
                 "max_idle_connections", "timeouts"});
  Upstream u;

  Field name = map.require("name");
  u.name = as_string(file, name, "expected the upstream's name");
  if (!is_plain_name(u.name)) {
    file.fail(name.line, "upstream name '" + u.name + "' may contain only letters, digits, '-', '_' and '.'");
  }
  const std::string who = "upstream '" + u.name + "'";

  Field kind = map.require("kind");
  auto dialect = dialect_from_string(as_string(file, kind, "expected anthropic or openai"));
  if (!dialect) {
    file.fail(kind.line, who + ": unknown kind '" + kind.value.Scalar() + "'; expected anthropic or openai");
  }
  u.kind = *dialect;

  Field base_url = map.require("base_url");
  std::string url = as_string(file, base_url, "expected http(s)://host[:port][/path]");
  if (auto error = apply_base_url(url, u)) {
    file.fail(base_url.line, who + ": " + *error);
  }

  int key_line = map.line();
  if (auto f = map.get("api_key_env")) {
    key_line = f->line;
    if (!f->value.IsScalar() || !is_env_name(f->value.Scalar())) {
      // Never echo the value: a common slip is pasting the key itself here.
      file.fail(f->line, who + ": api_key_env must be the name of an environment variable (letters, digits and "
                               "'_', e.g. ANTHROPIC_API_KEY), not the key itself");
    }
    u.api_key_env = f->value.Scalar();
  }
  if (auto f = map.get("api_key_file")) {
    key_line = f->line;
    if (!f->value.IsScalar() || f->value.Scalar().empty()) {
      file.fail(f->line, who + ": api_key_file must be the path of a file holding the key");
    }
    u.api_key_file = f->value.Scalar();
  }
  if (auto error = load_api_key(u, env)) {
    file.fail(key_line, *error);
  }

  if (auto f = map.get("ca_file")) {
    u.ca_file = as_string(file, *f, "expected the path of a PEM CA bundle");
    std::string contents;
    if (auto error = read_whole_file(u.ca_file, contents)) {
      file.fail(f->line, who + ": ca_file " + u.ca_file + " cannot be read: " + *error);
    }
  }

  if (auto f = map.get("models")) {
    for (const auto& model : sequence_items(file, *f, "model names")) {
      u.models.push_back(as_string(file, model, "expected a model name"));
    }
  }
  if (auto f = map.get("max_idle_connections")) {
    u.max_idle_connections = as_uint(file, *f, 0, 65536);
  }
  if (auto f = map.get("timeouts")) {
    u.timeouts = read_timeouts(file, *f);
  }
  return u;
}

}  // namespace spillway::config::detail
