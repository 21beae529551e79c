#include "metrics/counters.hpp"

namespace spillway::metrics {

GatewayCounters& counters() {
  static GatewayCounters instance;
  return instance;
}

void count_response(unsigned status) {
  auto& c = counters();
  if (status < 300) {
    bump(c.responses_2xx);
  } else if (status < 500) {
    bump(c.responses_4xx);
  } else {
    bump(c.responses_5xx);
  }
}

std::string render_prometheus(const GatewayCounters& c) {
  std::string out;
  auto line = [&out](const char* name, const char* help, const Counter& v) {
    out += "# HELP spillway_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE spillway_";
    out += name;
    out += " counter\nspillway_";
    out += name;
    out += ' ';
    out += std::to_string(v.load(std::memory_order_relaxed));
    out += '\n';
  };
  line("requests_total", "Requests received.", c.requests_total);
  line("responses_2xx_total", "Responses with a 2xx status.", c.responses_2xx);
  line("responses_4xx_total", "Responses with a 4xx status.", c.responses_4xx);
  line("responses_5xx_total", "Responses with a 5xx status.", c.responses_5xx);
  line("auth_rejected_total", "Requests refused for a missing or unknown gateway key.", c.auth_rejected);
  line("body_too_large_total", "Requests refused for a body over the limit.", c.body_too_large);
  line("bad_json_total", "Requests refused for a malformed body.", c.bad_json);
  line("unknown_model_total", "Requests for a model no route serves.", c.unknown_model);
  line("upstream_attempts_total", "Requests sent to an upstream.", c.upstream_attempts);
  line("upstream_connect_failures_total", "Upstream connections that failed.", c.upstream_connect_failures);
  line("upstream_timeouts_total", "Upstream exchanges that timed out.", c.upstream_timeouts);
  line("upstream_error_statuses_total", "Upstream answers with 429 or 5xx.", c.upstream_error_statuses);
  line("failovers_total", "Later candidates tried after an earlier one failed.", c.failovers);
  line("streams_relayed_total", "Streaming responses relayed.", c.streams_relayed);
  line("streams_broken_total", "Streams cut by an upstream failure after the first byte.", c.streams_broken);
  line("stream_events_relayed_total", "Body pieces relayed while streaming.", c.stream_events_relayed);
  line("config_reloads_total", "Config reloads put in force.", c.reloads);
  line("config_reload_failures_total", "Config reloads refused; the running config stayed.", c.reload_failures);
  line("stream_pings_sent_total", "Keep-alive pings sent on streams while the upstream was silent.",
       c.stream_pings_sent);
  return out;
}

}  // namespace spillway::metrics
