#pragma once
// Who may use the admin API (/admin/...): an admin gateway key (`admin: true` under auth), or
// anyone with `auth: none` on a loopback listener; and on a listener other than loopback only
// when the config says `admin: {allow_remote: true}`. It never shows a provider key.
#include <optional>
#include <string>

#include "config/config.hpp"

namespace spillway::server {

// nullopt when allowed, else why not (the 403's message).
std::optional<std::string> admin_refusal(const config::Config& config, bool admin_key);

}  // namespace spillway::server
