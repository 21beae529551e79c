#include "config/config.hpp"

namespace spillway::config {

std::optional<std::string> unreloadable_change(const Config& running, const Config& fresh) {
  // The worker threads exist once per process; so does the audit database, its writer thread
  // and queue. (A new `listen` is bound by the reload itself.)
  if (running.threads != fresh.threads) {
    return "threads";
  }
  if (running.audit.sqlite != fresh.audit.sqlite) {
    return "audit.sqlite";
  }
  if (running.audit.queue_limit != fresh.audit.queue_limit) {
    return "audit.queue_limit";
  }
  if (running.audit.flush_interval != fresh.audit.flush_interval) {
    return "audit.flush_interval";
  }
  return std::nullopt;
}

}  // namespace spillway::config
