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

}  // namespace

Router::Router(const config::Config& config) : config_(config) {
  std::set<std::string> ids;
  for (const auto& route : config_.routes) {
    if (is_literal(route.model_pattern)) {
      ids.insert(route.model_pattern);
    }
  }
  // An upstream's listed model is exposed only if asking for it by name really reaches that
  // upstream under that name; otherwise listing it would advertise a model we rewrite away.
  for (const auto& upstream : config_.upstreams) {
    for (const auto& model : upstream.models) {
      for (const auto& route : config_.routes) {
        if (!glob_match(route.model_pattern, model)) {
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

const config::Route* Router::match(std::string_view model) const {
  for (const auto& route : config_.routes) {
    if (glob_match(route.model_pattern, model)) {
      return &route;
    }
  }
  return nullptr;
}

std::vector<Candidate> Router::overflow(const config::Route& route, std::string_view model) const {
  std::vector<Candidate> out;
  for (const auto& target : route.overflow) {
    if (const auto* upstream = config_.find_upstream(target.upstream)) {
      out.push_back(Candidate{upstream, target.model.empty() ? std::string(model) : target.model});
    }
  }
  return out;
}

std::variant<std::vector<Candidate>, ApiError> Router::resolve(std::string_view model) const {
  for (const auto& route : config_.routes) {
    if (!glob_match(route.model_pattern, model)) {
      continue;
    }
    std::vector<Candidate> chain;
    chain.reserve(route.to.size());
    for (const auto& target : route.to) {
      // A validated Config names only known upstreams; a hand-built one may not.
      if (const auto* upstream = config_.find_upstream(target.upstream)) {
        chain.push_back(Candidate{upstream, target.model.empty() ? std::string(model) : target.model});
      }
    }
    if (chain.empty()) {
      return make_error(ErrorKind::api_error,
                        "the route for model '" + std::string(model) + "' names no configured upstream",
                        ErrorSource::gateway);
    }
    return chain;
  }

  std::string message = "model '" + std::string(model) + "' is not served by this gateway; ";
  std::vector<std::string> known;
  for (const auto& exposed : exposed_) {
    known.push_back(exposed.id);
  }
  std::vector<std::string> patterns;
  for (const auto& route : config_.routes) {
    if (!is_literal(route.model_pattern)) {
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
