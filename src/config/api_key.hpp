#pragma once
#include <optional>
#include <string>

#include "config/config.hpp"

namespace spillway::config::detail {

// Fills upstream.api_key from upstream.api_key_env or upstream.api_key_file (neither: no key).
// Returns what is wrong, naming the variable or file but never the key, or nullopt.
std::optional<std::string> load_api_key(Upstream& upstream, const EnvLookup& env);

}  // namespace spillway::config::detail
