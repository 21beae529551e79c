#include "config/config.hpp"

namespace spillway::config {

std::optional<std::string> unreloadable_change(const Config& running, const Config& fresh) {
  // The listeners and worker threads exist once per process; so does the audit database, its
  // writer thread and queue.
  if (running.listen_host != fresh.listen_host || running.listen_port != fresh.listen_port) {
    return "listen";
  }
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
