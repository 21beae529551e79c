#include "sim/demo_summary.hpp"

#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "audit/prices.hpp"
#include "audit/schema.hpp"

namespace spillway::sim {

namespace {

long count_occurrences(std::string_view text, std::string_view what) {
  long n = 0;
  for (auto pos = text.find(what); pos != std::string_view::npos; pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

GatewayFigures read_gateway_figures(const std::string& db_path, std::int64_t since_ms) {
  auto db = audit::open_database(db_path, audit::OpenMode::read_only);
  sqlite3_stmt* raw = nullptr;
  const char* sql =
      "SELECT status, upstream, overflowed, queued_ms, refused_by, input_tokens + cache_read_tokens + "
      "cache_write_tokens, output_tokens, cost_usd FROM requests WHERE start_ms >= ?";
  if (sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error(db_path + ": " + sqlite3_errmsg(db.get()));
  }
  audit::Statement stmt(raw);
  sqlite3_bind_int64(raw, 1, since_ms);
  GatewayFigures g;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    auto text = [raw](int col) {
      const auto* p = sqlite3_column_text(raw, col);
      return std::string_view(p ? reinterpret_cast<const char*>(p) : "");
    };
    const long status = sqlite3_column_int64(raw, 0);
    const std::string_view upstream = text(1);
    ++g.requests;
    g.ok += status == 200;
    g.errors += status >= 400 || status == 0;
    g.rate_limited += status == 429;
    g.overflowed += sqlite3_column_int64(raw, 2) != 0;
    const long queued_ms = sqlite3_column_int64(raw, 3);
    g.queued += queued_ms > 0;
    g.max_queued_ms = std::max(g.max_queued_ms, queued_ms);
    g.upstream_429s += count_occurrences(text(4), "premium:429");
    TokenCount* tier = upstream == "premium" ? &g.premium : upstream == "local" ? &g.local : nullptr;
    if (tier && status == 200) {
      ++tier->requests;
      tier->input += sqlite3_column_int64(raw, 5);
      tier->output += sqlite3_column_int64(raw, 6);
    }
    if (sqlite3_column_type(raw, 7) != SQLITE_NULL) {
      g.cost_usd += sqlite3_column_double(raw, 7);
      ++g.priced;
    }
  }
  if (rc != SQLITE_DONE) {
    throw std::runtime_error(db_path + ": " + sqlite3_errmsg(db.get()));
  }
  return g;
}

RunFigures direct_figures(const AgentRunResult& agents, long premium_429s) {
  RunFigures f;
  f.agents = agents;
  f.premium_429s = premium_429s;
  if (auto it = agents.by_upstream.find("premium"); it != agents.by_upstream.end()) {
    f.premium = it->second;
  }
  const auto prices = audit::PriceTable::builtin();
  for (const auto& [model, t] : agents.premium_by_model) {
    if (auto price = prices.find(model)) {
      f.cost_usd += audit::cost_usd(*price, t.input, t.output, 0, 0);
    }
  }
  return f;
}

RunFigures gateway_figures(const AgentRunResult& agents, long premium_429s, const GatewayFigures& audit) {
  RunFigures f;
  f.agents = agents;
  f.premium_429s = premium_429s;
  f.premium = audit.premium;
  f.local = audit.local;
  f.cost_usd = audit.cost_usd;
  f.audit = audit;
  return f;
}

double itpm_utilisation(long input_tokens, long bucket, long per_minute, double seconds) {
  const double budget = static_cast<double>(bucket) + static_cast<double>(per_minute) * seconds / 60.0;
  return budget > 0 ? static_cast<double>(input_tokens) / budget : 0;
}

std::string format_summary(const RunFigures& direct, const RunFigures& gateway, long itpm_bucket,
                           long itpm_per_minute) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& a, const std::string& b, std::string_view source) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-34.*s %14s %16s   %.*s\n", static_cast<int>(label.size()), label.data(),
                  a.c_str(), b.c_str(), static_cast<int>(source.size()), source.data());
    out += buf;
  };
  auto n = [](long v) { return std::to_string(v); };
  auto per_min = [](long tokens, double seconds) {
    return seconds > 0 ? fixed(static_cast<double>(tokens) * 60.0 / seconds, 0) : std::string("0");
  };
  const std::string none = "-";
  const auto& a = direct.agents;
  const auto& b = gateway.agents;
  line("", "direct", "through spillway", "measured by");
  line("run seconds", fixed(a.seconds, 1), fixed(b.seconds, 1), "agents' client");
  line("requests sent by agents", n(a.attempts), n(b.attempts), "agents' client (retries included)");
  line("429s seen by agents", n(a.rate_limited), n(b.rate_limited), "agents' client");
  line("other errors seen by agents", n(a.other_errors), n(b.other_errors), "agents' client");
  line("failures seen by agents", n(a.failures), n(b.failures), "agents' client (after SDK retries)");
  line("  of which side requests", n(a.side_failures), n(b.side_failures), "agents' client");
  line("tasks completed", n(a.tasks_done), n(b.tasks_done), "agents");
  line("tasks failed", n(a.tasks_failed), n(b.tasks_failed), "agents");
  line("tasks cut off by the end", n(a.tasks_unfinished), n(b.tasks_unfinished), "agents");
  line("429s answered by the premium", direct.premium_429s < 0 ? none : n(direct.premium_429s),
       gateway.premium_429s < 0 ? none : n(gateway.premium_429s), "premium simulator's counters");
  const bool db = gateway.audit.has_value();
  const GatewayFigures g = gateway.audit.value_or(GatewayFigures{});
  line("requests recorded", none, db ? n(g.requests) : none, "audit db");
  line("answered 200", n(a.ok), db ? n(g.ok) : none, "agents' client | audit db");
  line("errors sent to agents", none, db ? n(g.errors) : none, "audit db");
  line("premium 429s retried by spillway", none, db ? n(g.upstream_429s) : none, "audit db (refused_by)");
  line("queued for capacity", none, db ? n(g.queued) : none, "audit db");
  line("longest wait ms", none, db ? n(g.max_queued_ms) : none, "audit db");
  line("overflowed to local", none, db ? n(g.overflowed) : none, "audit db");
  line("premium requests", n(direct.premium.requests), n(gateway.premium.requests), "agents' client | audit db");
  line("premium input tokens", n(direct.premium.input), n(gateway.premium.input), "agents' client | audit db");
  line("premium output tokens", n(direct.premium.output), n(gateway.premium.output), "agents' client | audit db");
  line("local requests", n(direct.local.requests), n(gateway.local.requests), "agents' client | audit db");
  line("local input tokens", n(direct.local.input), n(gateway.local.input), "agents' client | audit db");
  line("local output tokens", n(direct.local.output), n(gateway.local.output), "agents' client | audit db");
  line("premium tokens/min", per_min(direct.premium.input + direct.premium.output, a.seconds),
       per_min(gateway.premium.input + gateway.premium.output, b.seconds), "tokens / run seconds");
  line("local tokens/min", per_min(direct.local.input + direct.local.output, a.seconds),
       per_min(gateway.local.input + gateway.local.output, b.seconds), "tokens / run seconds");
  line("premium ITPM utilisation %",
       fixed(100 * itpm_utilisation(direct.premium.input, itpm_bucket, itpm_per_minute, a.seconds), 1),
       fixed(100 * itpm_utilisation(gateway.premium.input, itpm_bucket, itpm_per_minute, b.seconds), 1),
       "input / (bucket + refill in the run)");
  line("cost USD (local at 0)", fixed(direct.cost_usd, 4), fixed(gateway.cost_usd, 4), "list prices | audit db");
  auto per_task = [&none](double cost, long tasks) {
    return tasks > 0 ? fixed(cost / static_cast<double>(tasks), 4) : none;
  };
  line("cost USD per completed task", per_task(direct.cost_usd, a.tasks_done),
       per_task(gateway.cost_usd, b.tasks_done), "cost / tasks completed");
  return out;
}

}  // namespace spillway::sim
