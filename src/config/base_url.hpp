#pragma once
// Taking an upstream's base_url apart; shared by the YAML loader and the environment mode.
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace spillway::config::detail {

// Fills base_url, tls, host, port and base_path of `upstream` from `url`, which must be
// http(s)://host[:port][/path]. Returns what is wrong (safe to print), or nullopt when usable.
std::optional<std::string> apply_base_url(std::string_view url, Upstream& upstream);

}  // namespace spillway::config::detail
