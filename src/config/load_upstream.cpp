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
                 "max_idle_connections", "timeouts", "limits", "output_reservation", "cache_reads", "predict",
                 "responses"});
  Upstream u;

  Field name = map.require("name");
  u.name = as_string(file, name, "expected the upstream's name");
  if (!is_plain_name(u.name)) {
    file.fail(name.line, "upstream name '" + u.name + "' may contain only letters, digits, '-', '_' and '.'");
  }
  const std::string who = "upstream '" + u.name + "'";

  Field kind = map.require("kind");
  auto dialect = dialect_from_string(as_string(file, kind, "expected anthropic or openai"));
  if (!dialect || *dialect == Dialect::responses) {
    // An upstream speaks Messages or Chat Completions; Responses clients are translated to them.
    file.fail(kind.line, who + ": unknown kind '" + kind.value.Scalar() + "'; expected anthropic or openai");
  }
  u.kind = *dialect;

  Field base_url = map.require("base_url");
  std::string url = as_string(file, base_url, "expected http(s)://host[:port][/path]");
  if (auto error = apply_base_url(url, u)) {
    file.fail(base_url.line, who + ": " + *error);
  }

  // A key pool: api_key_env and api_key_file each take one name or a list; every key gets its
  // own rate-limit buckets.
  auto names = [&](const Field& f) {
    return f.value.IsSequence() ? sequence_items(file, f, "names") : std::vector<Field>{f};
  };
  if (auto f = map.get("api_key_env")) {
    for (const Field& item : names(*f)) {
      if (!item.value.IsScalar() || !is_env_name(item.value.Scalar())) {
        // Never echo the value: a common slip is pasting the key itself here.
        file.fail(item.line, who + ": api_key_env must be the name of an environment variable (letters, digits and "
                                   "'_', e.g. ANTHROPIC_API_KEY) or a list of them, not the key itself");
      }
      ApiKey key;
      if (auto error = read_key(u.name, item.value.Scalar(), "", env, key)) {
        file.fail(item.line, *error);
      }
      u.keys.push_back(std::move(key));
      if (u.api_key_env.empty()) {
        u.api_key_env = item.value.Scalar();
      }
    }
  }
  if (auto f = map.get("api_key_file")) {
    for (const Field& item : names(*f)) {
      if (!item.value.IsScalar() || item.value.Scalar().empty()) {
        file.fail(item.line, who + ": api_key_file must be the path of a file holding a key");
      }
      ApiKey key;
      if (auto error = read_key(u.name, "", item.value.Scalar(), env, key)) {
        file.fail(item.line, *error);
      }
      u.keys.push_back(std::move(key));
      if (u.api_key_env.empty() && u.api_key_file.empty()) {
        u.api_key_file = item.value.Scalar();
      }
    }
  }
  if (!u.keys.empty()) {
    u.api_key = u.keys.front().secret;
  }
  for (std::size_t i = 0; i < u.keys.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (u.keys[i].secret == u.keys[j].secret) {
        file.fail(map.line(), who + ": " + u.keys[i].source + " holds the same key as " + u.keys[j].source +
                                  "; a pool needs distinct keys");
      }
    }
  }

  // Rate-limit accounting follows the provider's documented behaviour unless told otherwise.
  u.output_reservation = u.kind == Dialect::anthropic ? OutputReservation::generated : OutputReservation::max_tokens;
  u.cache_reads = u.kind == Dialect::anthropic ? CacheReads::free : CacheReads::counted;
  if (auto f = map.get("limits")) {
    MapFields limits(file, *f, {"rpm", "itpm", "otpm", "tpm", "max_concurrency"});
    constexpr std::uint64_t big = 1'000'000'000'000ULL;
    auto read = [&](std::string_view key, std::uint64_t& out) {
      if (auto v = limits.get(key)) {
        out = as_uint(file, *v, 1, big);
      }
    };
    read("rpm", u.limits.rpm);
    read("itpm", u.limits.itpm);
    read("otpm", u.limits.otpm);
    read("tpm", u.limits.tpm);
    read("max_concurrency", u.limits.max_concurrency);
    if (u.limits.tpm != 0 && (u.limits.itpm != 0 || u.limits.otpm != 0)) {
      file.fail(f->line, who + ": limits has tpm (input and output together) and itpm/otpm; expected one or the other");
    }
  }
  if (auto f = map.get("output_reservation")) {
    const std::string v = as_string(file, *f, "expected generated or max_tokens");
    if (v == "generated") {
      u.output_reservation = OutputReservation::generated;
    } else if (v == "max_tokens") {
      u.output_reservation = OutputReservation::max_tokens;
    } else {
      file.fail(f->line, who + ": unknown output_reservation '" + v + "'; expected generated or max_tokens");
    }
  }
  if (auto f = map.get("predict")) {
    const std::string v = as_string(file, *f, "expected true or false");
    if (v != "true" && v != "false") {
      file.fail(f->line, who + ": predict must be true or false, not '" + v + "'");
    }
    u.predict = v == "true";
  }
  if (auto f = map.get("responses")) {
    const std::string v = as_string(file, *f, "expected true or false");
    if (v != "true" && v != "false") {
      file.fail(f->line, who + ": responses must be true or false, not '" + v + "'");
    }
    if (u.kind != Dialect::openai && v == "true") {
      file.fail(f->line, who + ": responses applies to kind openai (an Anthropic upstream has no Responses API)");
    }
    u.responses = v == "true";
  }
  if (auto f = map.get("cache_reads")) {
    const std::string v = as_string(file, *f, "expected free or counted");
    if (v == "free") {
      u.cache_reads = CacheReads::free;
    } else if (v == "counted") {
      u.cache_reads = CacheReads::counted;
    } else {
      file.fail(f->line, who + ": unknown cache_reads '" + v + "'; expected free or counted");
    }
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
