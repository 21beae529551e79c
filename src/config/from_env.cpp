#include "config/api_key.hpp"
#include "config/base_url.hpp"
#include "config/config.hpp"

namespace spillway::config {

namespace {

constexpr const char* kSource = "environment";

// Unset and empty read the same: `FOO= spillway serve` should not count as configured.
std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  return value;
}

Upstream make_upstream(const EnvLookup& env, std::string name, Dialect kind, const std::string& url_var,
                       const std::string& url, std::string key_env) {
  Upstream u;
  u.name = std::move(name);
  u.kind = kind;
  u.output_reservation = kind == Dialect::anthropic ? OutputReservation::generated : OutputReservation::max_tokens;
  u.cache_reads = kind == Dialect::anthropic ? CacheReads::free : CacheReads::counted;
  if (auto error = detail::apply_base_url(url, u)) {
    throw ConfigError(kSource, 0, url_var + ": " + *error);
  }
  u.api_key_env = std::move(key_env);
  if (auto error = detail::load_api_key(u, env)) {
    throw ConfigError(kSource, 0, *error);
  }
  return u;
}

void add_route(Config& config, std::string pattern, const std::string& upstream, std::string model = "") {
  Route route;
  route.model_pattern = std::move(pattern);
  route.to.push_back(RouteTarget{upstream, std::move(model)});
  config.routes.push_back(std::move(route));
}

}  // namespace

Config from_env(const EnvLookup& env) {
  Config config;
  config.source = kSource;
  config.auth.none = true;

  if (auto listen = non_empty(env, "SPILLWAY_LISTEN")) {
    try {
      std::tie(config.listen_host, config.listen_port) = parse_listen(*listen);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(kSource, 0, std::string("SPILLWAY_LISTEN: ") + e.what());
    }
  }

  if (auto db = non_empty(env, "SPILLWAY_AUDIT_DB")) {
    config.audit.sqlite = *db == "off" ? "" : *db;
  }

  // The provider URLs are overridable for tests and proxies. ANTHROPIC_BASE_URL and
  // OPENAI_BASE_URL are deliberately not read: agents set those to point at this gateway.
  bool anthropic = non_empty(env, "ANTHROPIC_API_KEY").has_value();
  bool openai = non_empty(env, "OPENAI_API_KEY").has_value();
  auto local_url = non_empty(env, "SPILLWAY_LOCAL_URL");
  if (anthropic) {
    auto url = non_empty(env, "SPILLWAY_ANTHROPIC_URL").value_or("https://api.anthropic.com");
    config.upstreams.push_back(make_upstream(env, "anthropic", Dialect::anthropic, "SPILLWAY_ANTHROPIC_URL", url,
                                             "ANTHROPIC_API_KEY"));
  }
  if (openai) {
    auto url = non_empty(env, "SPILLWAY_OPENAI_URL").value_or("https://api.openai.com/v1");
    config.upstreams.push_back(
        make_upstream(env, "openai", Dialect::openai, "SPILLWAY_OPENAI_URL", url, "OPENAI_API_KEY"));
    config.upstreams.back().responses = true;  // OpenAI serves the Responses API itself
  }
  if (local_url) {
    std::string key_env = non_empty(env, "SPILLWAY_LOCAL_API_KEY") ? "SPILLWAY_LOCAL_API_KEY" : "";
    config.upstreams.push_back(
        make_upstream(env, "local", Dialect::openai, "SPILLWAY_LOCAL_URL", *local_url, std::move(key_env)));
  }
  if (config.upstreams.empty()) {
    throw ConfigError(kSource, 0,
                      "no upstream configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY or SPILLWAY_LOCAL_URL "
                      "(an OpenAI-compatible base URL such as http://127.0.0.1:8000/v1), or pass --config FILE");
  }

  if (anthropic) {
    add_route(config, "claude-*", "anthropic");
  }
  if (openai) {
    for (const char* pattern : {"gpt-*", "o1*", "o3*", "o4*", "chatgpt-*"}) {
      add_route(config, pattern, "openai");
    }
  }
  if (local_url) {
    // A local server usually serves one model under its own name; SPILLWAY_LOCAL_MODEL lets
    // agents that insist on their own model names reach it anyway.
    add_route(config, "*", "local", non_empty(env, "SPILLWAY_LOCAL_MODEL").value_or(""));
  } else {
    add_route(config, "*", config.upstreams.front().name);
  }
  return config;
}

}  // namespace spillway::config
