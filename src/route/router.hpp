#pragma once
// Turns a requested model into the chain of candidates to try, from the config's routes
// (first match wins). Decides; never sends.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/api_error.hpp"
#include "config/config.hpp"

namespace spillway::route {

struct Candidate {
  const config::Upstream* upstream;  // points into the Config the Router was built from
  std::string model;                 // the model name to send upstream
};

// What routing rules may look at in a request (config::RouteConditions). Header values are
// asked for by name (lowercase) through `header`, which returns "" for an absent one.
struct RequestFacts {
  std::string_view model;
  std::optional<Dialect> dialect;  // unset: rules that ask for one do not match
  std::function<std::optional<std::string_view>(std::string_view)> header;  // null: no headers
  std::string_view key_name;  // the gateway key's name ("" without one)
  std::string_view agent;
  std::int64_t input_tokens = 0;
  bool tools = false;
  bool thinking = false;
  bool claude_code = false;  // the client is Claude Code (session header or user agent)
};

// Why one route did or did not match, for `spillway route explain`.
struct RuleVerdict {
  const config::Route* route;
  bool matched;
  std::string why;  // the condition that failed, or "" when matched
};

class Router {
 public:
  explicit Router(const config::Config& config);
  // Candidates point into `upstreams` instead of config.upstreams: a reloaded config's rules
  // keep using the upstreams (pools, rate state) the gateway started with. Same names required.
  Router(const config::Config& config, const std::vector<config::Upstream>& upstreams);

  // The route these facts match (first match wins), or null.
  const config::Route* match(const RequestFacts& facts) const;
  // Every route up to and including the one that matched, each with its verdict.
  std::vector<RuleVerdict> explain(const RequestFacts& facts) const;
  // The route's chain (`to:`) for `model`, as candidates; an error when it names no upstream.
  std::variant<std::vector<Candidate>, ApiError> chain(const config::Route& route, std::string_view model) const;
  // The 404 for a model no route serves, listing what is served.
  ApiError no_route(std::string_view model) const;

  // The candidates for `model`, in order. No route matches -> not_found error naming the model
  // and listing the known ones (exposed_models).
  std::variant<std::vector<Candidate>, ApiError> resolve(std::string_view model) const;

  // The route `model` matches (first match wins), or null.
  const config::Route* match(std::string_view model) const;
  // The route's overflow tier for `model`, as candidates.
  std::vector<Candidate> overflow(const config::Route& route, std::string_view model) const;

  // Model names a client may ask for: literal (glob-free) route patterns, plus the models the
  // upstreams list that some route sends to that upstream unchanged. Sorted, unique.
  struct Exposed {
    std::string id;
    std::string upstream;
  };
  const std::vector<Exposed>& exposed_models() const { return exposed_; }

 private:
  const config::Upstream* find_upstream(std::string_view name) const;

  const config::Config& config_;
  const std::vector<config::Upstream>& upstreams_;
  std::vector<Exposed> exposed_;
};

// Glob match: `*` any run of characters (empty too), `?` exactly one; case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace spillway::route
