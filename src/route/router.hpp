#pragma once
// Turns a requested model into the chain of candidates to try, from the config's routes
// (first match wins). Decides; never sends.
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

class Router {
 public:
  explicit Router(const config::Config& config);

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
  const config::Config& config_;
  std::vector<Exposed> exposed_;
};

// Glob match: `*` any run of characters (empty too), `?` exactly one; case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace spillway::route
