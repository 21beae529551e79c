#include "server/admin_policy.hpp"

namespace spillway::server {

std::optional<std::string> admin_refusal(const config::Config& config, bool admin_key) {
  const auto& host = config.listen_host;
  const bool loopback = config::is_loopback_host(host);
  if (!loopback && !config.admin.allow_remote) {
    return "the admin API answers only on a loopback listener; set admin: {allow_remote: true} to open it on " + host +
           " (it still needs an admin key)";
  }
  if (!admin_key && !(config.auth.none && loopback)) {
    return "the admin API needs an admin gateway key (admin: true under auth), or auth: none on a loopback listener";
  }
  return std::nullopt;
}

}  // namespace spillway::server
