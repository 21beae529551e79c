#pragma once
// The gateway's configuration: built once at start-up, immutable afterwards. A reload (later)
// builds a new Config and swaps a pointer; nothing on the request path mutates it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/dialect.hpp"

namespace spillway::config {

using std::chrono::milliseconds;

struct Timeouts {
  milliseconds connect{10'000};          // TCP connect + TLS handshake
  milliseconds first_byte{600'000};      // request sent -> response headers received
  milliseconds between_events{300'000};  // gap between two body reads of a streaming reply
  milliseconds total{1'800'000};         // whole exchange, whatever happens
};

// Rate limits of one API key, per minute; 0 = not declared (then learnt from the provider's
// rate-limit headers, with a cautious slow start until they arrive).
struct RateLimits {
  std::uint64_t rpm = 0;
  std::uint64_t itpm = 0;  // input tokens
  std::uint64_t otpm = 0;  // output tokens
  std::uint64_t tpm = 0;   // input + output together (OpenAI's single token limit)
  std::uint64_t max_concurrency = 0;
};

// How the provider holds output tokens at admission (docs/rate-limits.md).
enum class OutputReservation { generated, max_tokens };
// Whether cache reads count against the provider's input-token limit.
enum class CacheReads { free, counted };

// One key of an upstream's pool. The secret is never logged: print `source`.
struct ApiKey {
  std::string secret;
  std::string source;  // "env NAME" or "file PATH"
};

struct Upstream {
  std::string name;
  Dialect kind = Dialect::openai;
  std::string base_url;  // as written, e.g. https://api.anthropic.com or http://127.0.0.1:8000/v1
  // base_url taken apart:
  bool tls = false;
  std::string host;  // IPv6 literals without brackets ("::1")
  std::uint16_t port = 0;  // 443 / 80 when the URL names none
  std::string base_path;  // "" or "/v1" (no trailing slash)

  // The provider key, read from api_key_env or api_key_file at load time. Never logged, never
  // put in an error message: use key_source() to say where it came from.
  std::string api_key;       // the first key of the pool ("" = none)
  std::string api_key_env;   // where the first key came from
  std::string api_key_file;
  std::vector<ApiKey> keys;  // the whole pool, first key included; empty = no key
  std::string ca_file;  // extra CA bundle for TLS verification (system store is always used)

  std::vector<std::string> models;  // models this upstream offers (for GET /v1/models)
  Timeouts timeouts;
  RateLimits limits;  // per key of the pool
  OutputReservation output_reservation = OutputReservation::max_tokens;  // default by kind
  CacheReads cache_reads = CacheReads::counted;                          // default by kind
  bool predict = true;  // false: no rate model, only 429 cool-downs (for comparisons)
  // kind openai only: the server also serves POST /v1/responses (OpenAI's own API, recent vLLM
  // and Ollama), so Responses requests (Codex) go to it as they are instead of translated.
  bool responses = false;
  std::size_t max_idle_connections = 64;  // per worker thread

  // Set by the gateway when the config goes into service (server/capacity), not read from the
  // file: where this upstream's rate state lives, and each key's (one for a keyless upstream).
  // An upstream keeps its state across reloads by name, a key by its secret.
  std::size_t state_slot = 0;
  std::vector<std::size_t> key_slots;

  // "env ANTHROPIC_API_KEY", "file /run/secrets/key" or "none": safe to print.
  std::string key_source() const;
};

// One element of a route's `to:` list: an upstream, optionally with the model name rewritten.
struct RouteTarget {
  std::string upstream;  // an Upstream::name
  std::string model;     // "" = keep the client's model name
};

enum class Priority { interactive, background };

// What a route's `match:` asks of a request besides its model; every condition given must hold
// (docs/routing.md). Unset conditions match anything.
struct RouteConditions {
  std::optional<Dialect> dialect;  // the client's (from the path it called)
  // Request headers: lowercase name and a glob on the value ("" value never matches a glob
  // other than "*"; a missing header never matches).
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> keys;    // globs on the gateway key's name; empty = any key
  std::vector<std::string> agents;  // globs on the agent label; empty = any agent
  std::int64_t min_input_tokens = 0;   // the gateway's estimate of the request's input
  std::int64_t max_input_tokens = -1;  // -1 = no upper bound
  std::optional<bool> tools;        // the request declares tools
  std::optional<bool> thinking;     // the request asks for thinking / reasoning
  // Claude Code's own side requests (titles, summaries, the small/fast model): a Claude Code
  // client (its session header or user agent) sending no tools.
  std::optional<bool> background;
  bool any() const {
    return dialect || !headers.empty() || !keys.empty() || !agents.empty() || min_input_tokens > 0 ||
           max_input_tokens >= 0 || tools || thinking || background;
  }
};

struct Route {
  std::string name;                 // optional, for messages, `route explain` and the audit
  // `match: model:` as written: a glob (`*` any run of characters, `?` one character), an
  // alias name, or a list shown as "a|b".
  std::string model_pattern = "*";
  std::vector<std::string> models;  // the globs an alias or list stands for; empty = model_pattern
  RouteConditions when;
  std::vector<RouteTarget> to;      // the chain, tried in order
  // Where a request goes when no candidate of `to` can take it within max_wait.
  std::vector<RouteTarget> overflow;
  // The longest a request waits for capacity. Claude Code gives up on a retry-after over 60 s.
  milliseconds max_wait{30'000};
  Priority priority = Priority::interactive;
  // Caps. max_tokens: a ceiling on the output a request may ask for (a larger ask is lowered to
  // it, an absent one set to it). max_input_tokens: a request estimated larger is refused (400).
  std::int64_t max_tokens = 0;        // 0 = none
  std::int64_t max_input_tokens = 0;  // 0 = none
  int line = 0;  // where it was written, for messages

  // How messages and the audit name it: its name, else its model pattern.
  const std::string& label() const { return name.empty() ? model_pattern : name; }
};

// A name clients or rules may use for a set of models: `senior: [claude-opus-*]`.
struct ModelAlias {
  std::string name;
  std::vector<std::string> models;  // globs
};

struct Auth {
  bool none = false;                    // `auth: none`: no key asked (loopback use only)
  std::vector<std::string> key_sha256;  // lowercase hex digests of accepted gateway keys
  std::vector<std::string> key_names;   // parallel to key_sha256: the entry's `name`, "" if none
  // Also parallel: a key's own queueing settings (they override the route's) and whether it may
  // use the admin API.
  std::vector<std::optional<Priority>> key_priority;
  std::vector<std::optional<milliseconds>> key_max_wait;
  std::vector<bool> key_admin;
};

// The admin API (/admin/...): always behind an admin gateway key (or `auth: none` on loopback).
struct Admin {
  // Whether it answers on a listener other than loopback. Off unless said: an admin key that
  // leaks should not open the gateway's internals to the network.
  bool allow_remote = false;
};

struct Limits {
  std::size_t max_body_bytes = 32u * 1024 * 1024;
  std::size_t max_header_bytes = 64u * 1024;
  milliseconds client_header_timeout{30'000};  // time to read a request's headers
  milliseconds client_body_timeout{120'000};   // time to read a request's body
  std::size_t max_upstream_response_bytes = 64u * 1024 * 1024;  // non-streaming replies
  // On SIGTERM/SIGINT the gateway stops accepting, closes idle connections and lets requests
  // in flight (streams included) finish for up to this long. A second signal stops at once.
  milliseconds shutdown_grace{30'000};
  // A streamed response whose upstream has sent nothing for this long gets a keep-alive ping
  // (0: never).
  milliseconds stream_ping{10'000};
};

// The token velocity audit (docs/audit.md): where usage records go and what they hold.
struct Audit {
  std::string sqlite = "./spillway.db";  // "" = auditing off (`audit: off`)
  // Prompts and completions are not stored unless asked: they are the most sensitive data
  // that passes through the gateway (docs/audit.md).
  bool store_content = false;
  std::size_t max_content_bytes = 1024 * 1024;  // per body, when stored; longer ones are cut
  std::string prices_file;  // "" = the built-in table only
  std::string prices_yaml;  // its text, read at load time (parsed by audit/ at start-up)
  // For `spillway audit`'s capacity answer (docs/audit.md): a tiers file over data/tiers.yaml,
  // and what one local GPU sustains (0 = the tiers file's local_gpu figures).
  std::string tiers_file;  // "" = the built-in table only
  std::string tiers_yaml;  // its text, read at load time (parsed by audit/)
  double gpu_input_tokens_per_s = 0;
  double gpu_output_tokens_per_s = 0;
  std::size_t queue_limit = 100'000;  // records waiting for the writer; more are dropped and counted
  milliseconds flush_interval{100};
};

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 4000;
  int threads = 0;  // worker threads; 0 = one per core
  Auth auth;
  Limits limits;
  Admin admin;
  Audit audit;
  std::vector<Upstream> upstreams;
  std::vector<ModelAlias> aliases;
  std::vector<Route> routes;
  std::string source;  // the file it came from, or "environment"
  bool listen_from_command_line = false;  // `serve --listen`: a reload keeps that address

  const Upstream* find_upstream(std::string_view name) const;
};

// A config that cannot be used. what() reads "FILE:LINE: what is wrong" (LINE omitted when
// the problem has no place in the file, e.g. a missing environment variable).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, int line, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  std::string file_;
  int line_;
};

// Reads the environment; injectable so tests need not touch the real one.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();
// The environment, with a placeholder for every unset variable: for the tools that read a
// config but never call an upstream (spillway audit, keys, route explain), so a config whose
// key variables are unset on this machine still loads.
EnvLookup env_with_placeholders();

// Whether a listen host is this machine only (127.x, ::1, localhost).
bool is_loopback_host(const std::string& host);

// Loads and validates a YAML config file. Throws ConfigError on any problem: unknown keys,
// wrong types, bad URLs, routes naming unknown upstreams, missing secrets.
Config load_file(const std::string& path, const EnvLookup& env = process_env());
Config load_string(const std::string& yaml, const std::string& name, const EnvLookup& env = process_env());

// With no config file: ANTHROPIC_API_KEY -> upstream `anthropic`, OPENAI_API_KEY -> `openai`,
// SPILLWAY_LOCAL_URL -> `local` (OpenAI-compatible, no key unless SPILLWAY_LOCAL_API_KEY).
// Routes: claude-* -> anthropic, gpt-*/o1*/o3*/o4* -> openai, anything else -> local (or the
// first upstream there is). Throws ConfigError when no upstream can be built.
// Also read: SPILLWAY_LISTEN (HOST:PORT), SPILLWAY_ANTHROPIC_URL / SPILLWAY_OPENAI_URL (base URL
// overrides, e.g. a mock provider), SPILLWAY_LOCAL_MODEL (model name sent to `local`). Empty
// variables count as unset. auth is none: env mode is for one machine. SPILLWAY_AUDIT_DB: the
// audit database (default ./spillway.db; `off` for none).
Config from_env(const EnvLookup& env = process_env());

// Parses "HOST:PORT" ("[::1]:4000" too). Throws std::invalid_argument with a clear message.
// The host comes back without brackets ("::1"), ready for address parsing; port 0 is allowed
// (the OS picks one, for tests).
std::pair<std::string, std::uint16_t> parse_listen(const std::string& text);

// What a reload cannot change while serving: the first setting of `fresh` that differs from the
// running config among threads and the audit database (sqlite, queue_limit, flush_interval),
// or nullopt. Everything else may change (docs/configuration.md, "Reload").
std::optional<std::string> unreloadable_change(const Config& running, const Config& fresh);

// Lowercase hex SHA-256 of a gateway key, as written in `auth:`.
std::string sha256_hex(std::string_view data);

}  // namespace spillway::config
