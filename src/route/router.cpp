#include "route/router.hpp"

#include <algorithm>
#include <set>

namespace spillway::route {

namespace {

bool is_literal(std::string_view pattern) {
  return pattern.find_first_of("*?") == std::string_view::npos;
}

// Long lists are cut: the message is for a person reading an error, not a catalogue.
constexpr std::size_t kMaxListed = 20;

std::string join_limited(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) {
    out += (i == 0 ? "" : ", ") + items[i];
  }
  if (items.size() > kMaxListed) {
    out += " and " + std::to_string(items.size() - kMaxListed) + " more";
  }
  return out;
}

bool model_matches(const config::Route& route, std::string_view model);

}  // namespace

Router::Router(const config::Config& config) : Router(config, config.upstreams) {}

const config::Upstream* Router::find_upstream(std::string_view name) const {
  for (const auto& u : upstreams_) {
    if (u.name == name) {
      return &u;
    }
  }
  return nullptr;
}

Router::Router(const config::Config& config, const std::vector<config::Upstream>& upstreams)
    : config_(config), upstreams_(upstreams) {
  std::set<std::string> ids;
  for (const auto& route : config_.routes) {
    if (route.models.empty() && is_literal(route.model_pattern)) {
      ids.insert(route.model_pattern);
    }
    for (const auto& pattern : route.models) {
      if (is_literal(pattern)) {
        ids.insert(pattern);
      }
    }
  }
  // An upstream's listed model is exposed only if asking for it by name really reaches that
  // upstream under that name; otherwise listing it would advertise a model we rewrite away.
  for (const auto& upstream : config_.upstreams) {
    for (const auto& model : upstream.models) {
      for (const auto& route : config_.routes) {
        if (!model_matches(route, model)) {
          continue;
        }
        bool unchanged = std::any_of(route.to.begin(), route.to.end(), [&](const config::RouteTarget& target) {
          return target.upstream == upstream.name && target.model.empty();
        });
        if (unchanged) {
          ids.insert(model);
        }
        break;  // first match wins, as in resolve()
      }
    }
  }
  for (const auto& id : ids) {
    auto chain = resolve(id);
    if (auto* candidates = std::get_if<std::vector<Candidate>>(&chain); candidates && !candidates->empty()) {
      exposed_.push_back(Exposed{id, candidates->front().upstream->name});
    }
  }
}

namespace {

bool model_matches(const config::Route& route, std::string_view model) {
  if (route.models.empty()) {
    return glob_match(route.model_pattern, model);
  }
  return std::any_of(route.models.begin(), route.models.end(),
                     [&](const std::string& pattern) { return glob_match(pattern, model); });
}

bool any_glob(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, text); });
}

std::string yes_no(bool b) { return b ? "true" : "false"; }

// "" when every condition of `route` holds for `facts`, else the first one that does not.
std::string mismatch(const config::Route& route, const RequestFacts& facts) {
  if (!model_matches(route, facts.model)) {
    return "model '" + std::string(facts.model) + "' is not " + route.model_pattern;
  }
  const auto& when = route.when;
  if (when.dialect && facts.dialect != when.dialect) {
    return "dialect is " + std::string(facts.dialect ? to_string(*facts.dialect) : "unknown") + ", not " +
           std::string(to_string(*when.dialect));
  }
  for (const auto& [name, pattern] : when.headers) {
    const auto value = facts.header ? facts.header(name) : std::nullopt;
    if (!value) {
      return "no " + name + " header";
    }
    if (!glob_match(pattern, *value)) {
      return "header " + name + " is '" + std::string(*value) + "', not " + pattern;
    }
  }
  if (!when.keys.empty() && (facts.key_name.empty() || !any_glob(when.keys, facts.key_name))) {
    return facts.key_name.empty() ? "no named gateway key" : "key '" + std::string(facts.key_name) + "' is not listed";
  }
  if (!when.agents.empty() && !any_glob(when.agents, facts.agent)) {
    return "agent '" + std::string(facts.agent) + "' is not listed";
  }
  if (facts.input_tokens < when.min_input_tokens) {
    return "about " + std::to_string(facts.input_tokens) + " input tokens, fewer than " +
           std::to_string(when.min_input_tokens);
  }
  if (when.max_input_tokens >= 0 && facts.input_tokens > when.max_input_tokens) {
    return "about " + std::to_string(facts.input_tokens) + " input tokens, more than " +
           std::to_string(when.max_input_tokens);
  }
  if (when.tools && *when.tools != facts.tools) {
    return "tools: " + yes_no(facts.tools);
  }
  if (when.thinking && *when.thinking != facts.thinking) {
    return "thinking: " + yes_no(facts.thinking);
  }
  const bool background = facts.claude_code && !facts.tools;
  if (when.background && *when.background != background) {
    return "background: " + yes_no(background);
  }
  return {};
}

}  // namespace

const config::Route* Router::match(const RequestFacts& facts) const {
  for (const auto& route : config_.routes) {
    if (model_matches(route, facts.model) && (!route.when.any() || mismatch(route, facts).empty())) {
      return &route;
    }
  }
  return nullptr;
}

std::vector<RuleVerdict> Router::explain(const RequestFacts& facts) const {
  std::vector<RuleVerdict> out;
  for (const auto& route : config_.routes) {
    auto why = mismatch(route, facts);
    const bool matched = why.empty();
    out.push_back(RuleVerdict{&route, matched, std::move(why)});
    if (matched) {
      break;
    }
  }
  return out;
}

std::variant<std::vector<Candidate>, ApiError> Router::chain(const config::Route& route, std::string_view model) const {
  std::vector<Candidate> chain;
  chain.reserve(route.to.size());
  for (const auto& target : route.to) {
    // A validated Config names only known upstreams; a hand-built one may not.
    if (const auto* upstream = find_upstream(target.upstream)) {
      chain.push_back(Candidate{upstream, target.model.empty() ? std::string(model) : target.model});
    }
  }
  if (chain.empty()) {
    return make_error(ErrorKind::api_error, "the route for model '" + std::string(model) + "' names no configured upstream",
                      ErrorSource::gateway);
  }
  return chain;
}

const config::Route* Router::match(std::string_view model) const {
  RequestFacts facts;
  facts.model = model;
  return match(facts);
}

std::vector<Candidate> Router::overflow(const config::Route& route, std::string_view model) const {
  std::vector<Candidate> out;
  for (const auto& target : route.overflow) {
    if (const auto* upstream = find_upstream(target.upstream)) {
      out.push_back(Candidate{upstream, target.model.empty() ? std::string(model) : target.model});
    }
  }
  return out;
}

std::variant<std::vector<Candidate>, ApiError> Router::resolve(std::string_view model) const {
  if (const auto* route = match(model)) {
    return chain(*route, model);
  }
  return no_route(model);
}

ApiError Router::no_route(std::string_view model) const {
  std::string message = "model '" + std::string(model) + "' is not served by this gateway; ";
  std::vector<std::string> known;
  for (const auto& exposed : exposed_) {
    known.push_back(exposed.id);
  }
  std::vector<std::string> patterns;
  for (const auto& route : config_.routes) {
    if (!is_literal(route.model_pattern) &&
        std::find(patterns.begin(), patterns.end(), route.model_pattern) == patterns.end()) {
      patterns.push_back(route.model_pattern);
    }
  }
  if (!known.empty()) {
    message += "known models: " + join_limited(known);
    if (!patterns.empty()) {
      message += "; also models matching: " + join_limited(patterns);
    }
  } else if (!patterns.empty()) {
    message += "it serves models matching: " + join_limited(patterns);
  } else {
    message += "no models are configured";
  }
  return make_error(ErrorKind::not_found, std::move(message), ErrorSource::client);
}

}  // namespace spillway::route
