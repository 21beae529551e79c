#include <tuple>

#include "config/config.hpp"

namespace spillway::config {

namespace {

auto key_of(const Upstream& u) {
  std::vector<std::tuple<std::string, std::string>> keys;
  for (const auto& k : u.keys) {
    keys.emplace_back(k.secret, k.source);
  }
  return std::tuple(u.name, u.kind, u.base_url, keys, u.ca_file, u.models, u.timeouts.connect, u.timeouts.first_byte,
                    u.timeouts.between_events, u.timeouts.total, u.limits.rpm, u.limits.itpm, u.limits.otpm,
                    u.limits.tpm, u.limits.max_concurrency, u.output_reservation, u.cache_reads, u.predict,
                    u.max_idle_connections);
}

auto limits_of(const Limits& l) {
  return std::tuple(l.max_body_bytes, l.max_header_bytes, l.client_header_timeout, l.client_body_timeout,
                    l.max_upstream_response_bytes, l.shutdown_grace, l.stream_ping);
}

auto audit_of(const Audit& a) {
  return std::tuple(a.sqlite, a.store_content, a.max_content_bytes, a.prices_file, a.prices_yaml, a.queue_limit,
                    a.flush_interval);
}

}  // namespace

std::optional<std::string> unreloadable_change(const Config& running, const Config& fresh) {
  if (running.listen_host != fresh.listen_host || running.listen_port != fresh.listen_port) {
    return "listen";
  }
  if (running.threads != fresh.threads) {
    return "threads";
  }
  if (limits_of(running.limits) != limits_of(fresh.limits)) {
    return "limits";
  }
  if (audit_of(running.audit) != audit_of(fresh.audit)) {
    return "audit";
  }
  if (running.upstreams.size() != fresh.upstreams.size()) {
    return "upstreams";
  }
  for (std::size_t i = 0; i < running.upstreams.size(); ++i) {
    if (key_of(running.upstreams[i]) != key_of(fresh.upstreams[i])) {
      return "upstreams (" + running.upstreams[i].name + ")";
    }
  }
  return std::nullopt;
}

}  // namespace spillway::config
