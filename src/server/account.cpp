#include "server/account.hpp"

#include "common/wall_clock.hpp"
#include "audit/sink.hpp"
#include "dashboard/live.hpp"
#include "metrics/requests.hpp"

namespace spillway::server {

namespace {

std::string header(const ClientRequest& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

}  // namespace

RequestAccount::RequestAccount(Client& client, Worker& worker, const ClientRequest& request, Dialect dialect,
                               std::string_view endpoint)
    : client_(client), worker_(worker) {
  record_.start_ms = unix_ms();
  record_.dialect = std::string(to_string(dialect));
  record_.endpoint = std::string(endpoint);
  record_.agent = header(request, "x-spillway-agent");
  record_.session = header(request, "x-claude-code-session-id");
  if (record_.session.empty()) {
    record_.session = header(request, "x-spillway-session");
  }
  const auto& audit = client.rules->config.audit;
  if (audit.store_content) {
    record_.request_body = request.body().substr(0, audit.max_content_bytes);
    record_.response_body.emplace();
    client.max_content_bytes = audit.max_content_bytes;
  }
  client.record = &record_;
  client.started = std::chrono::steady_clock::now();
}

RequestAccount::~RequestAccount() {
  client_.record = nullptr;
  auto& r = record_;
  r.end_ms = unix_ms();
  const auto latency = std::chrono::duration<double>(std::chrono::steady_clock::now() - client_.started).count();
  if (r.agent.empty()) {
    r.agent = r.key_name;
  }
  // An answer the upstream gave without usage still used tokens: estimate them, and say so.
  // Output: about four bytes a token, framing included, so it errs high.
  const bool answered = r.status >= 200 && r.status < 300 && !r.upstream.empty() && r.endpoint != "count_tokens";
  if (answered && r.input_tokens == 0 && r.output_tokens == 0 && r.cache_read_tokens == 0 &&
      r.cache_write_tokens == 0) {
    r.usage_estimated = true;
    r.input_tokens = r.input_tokens_estimate;
    r.output_tokens = static_cast<std::int64_t>(client_.body_bytes_sent / 4);
  }
  if (r.input_tokens || r.output_tokens || r.cache_read_tokens || r.cache_write_tokens) {
    const auto& model = r.upstream_model.empty() ? r.model : r.upstream_model;
    if (auto price = client_.rules->prices.find(model)) {
      r.cost_usd = audit::cost_usd(*price, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens);
    }
  } else {
    r.cost_usd = 0.0;
  }
  if (client_.key_hold.key) {
    keys::KeyGate::settle(client_.key_hold,
                          r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens,
                          r.cost_usd.value_or(0));
  }
  metrics::observe(r, latency);
  worker_.shared.live->observe(r);
  if (worker_.shared.audit) {
    worker_.shared.audit->submit(std::move(r));
  }
}

void note_refusal(audit::Record* record, std::string_view upstream, std::string_view what) {
  if (record == nullptr) {
    return;
  }
  if (!record->refused_by.empty()) {
    record->refused_by += ',';
  }
  record->refused_by += upstream;
  record->refused_by += ':';
  record->refused_by += what;
}

}  // namespace spillway::server
