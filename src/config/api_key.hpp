#pragma once
#include <optional>
#include <string>

#include "config/config.hpp"

namespace spillway::config::detail {

// Fills upstream.api_key (and keys, with that one key) from upstream.api_key_env or
// upstream.api_key_file (neither: no key). Returns what is wrong, naming the variable or file
// but never the key, or nullopt.
std::optional<std::string> load_api_key(Upstream& upstream, const EnvLookup& env);

// Reads one key from the environment variable `env_name` or, when that is empty, the file
// `file_path`, into `out` (secret and source). Errors as load_api_key's.
std::optional<std::string> read_key(const std::string& upstream, const std::string& env_name,
                                    const std::string& file_path, const EnvLookup& env, ApiKey& out);

}  // namespace spillway::config::detail
