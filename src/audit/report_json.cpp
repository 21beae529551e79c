#include "audit/report_json.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "audit/time_spec.hpp"

namespace spillway::audit {

namespace json = boost::json;

namespace {

json::object tokens_json(const TokenCounts& t) {
  return {{"input_tokens", t.input},
          {"output_tokens", t.output},
          {"cache_read_tokens", t.cache_read},
          {"cache_write_tokens", t.cache_write},
          {"total_tokens", t.total()}};
}

json::object totals_json(const Totals& t) {
  auto o = tokens_json(t.tokens);
  o["requests"] = t.requests;
  o["cost_usd"] = t.cost_usd;
  o["unpriced_requests"] = t.unpriced_requests;
  o["estimated_usage_requests"] = t.estimated_usage;
  o["queued_requests"] = t.queued;
  o["overflowed_requests"] = t.overflowed;
  o["error_requests"] = t.errors;
  return o;
}

json::object quantiles_json(const Quantiles& q) {
  return {{"p50", q.p50}, {"p95", q.p95}, {"p99", q.p99}, {"max", q.max}};
}

json::object rates_json(const Rates& r) {
  return {{"tokens_per_minute", quantiles_json(r.tokens_per_minute)},
          {"requests_per_minute", quantiles_json(r.requests_per_minute)}};
}

json::value time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json::value(format_rfc3339(*ms)) : json::value(nullptr);
}

json::object window_json(const Report& r) {
  const auto& s = r.velocity.series;
  json::object o{{"since", time_or_null(r.window.since_ms)}, {"until", time_or_null(r.window.until_ms)}};
  o["minutes"] = s.minutes.size();
  o["first_minute"] = r.empty() ? json::value(nullptr) : json::value(format_rfc3339(s.first_minute_ms));
  o["last_minute"] = r.empty() ? json::value(nullptr)
                               : json::value(format_rfc3339(s.first_minute_ms +
                                                            static_cast<std::int64_t>(s.minutes.size() - 1) * 60'000));
  return o;
}

json::array per_minute_json(const MinuteSeries& s) {
  json::array a;
  for (std::size_t i = 0; i < s.minutes.size(); ++i) {
    auto o = tokens_json(s.minutes[i].tokens);
    o["minute"] = format_rfc3339(s.first_minute_ms + static_cast<std::int64_t>(i) * 60'000);
    o["requests"] = s.minutes[i].requests;
    a.push_back(std::move(o));
  }
  return a;
}

json::object peak_json(const MinuteSeries& s) {
  if (s.minutes.empty()) {
    return {};
  }
  const auto t = s.peak_tokens_minute();
  const auto q = s.peak_requests_minute();
  return {{"tokens_minute", format_rfc3339(s.first_minute_ms + static_cast<std::int64_t>(t) * 60'000)},
          {"tokens", s.minutes[t].tokens.total()},
          {"requests_minute", format_rfc3339(s.first_minute_ms + static_cast<std::int64_t>(q) * 60'000)},
          {"requests", s.minutes[q].requests}};
}

json::object capacity_json(const CapacityPlan& c) {
  json::array classes;
  for (const auto& d : c.classes) {
    json::array tiers;
    for (const auto& t : d.tiers) {
      json::array checks;
      for (const auto& k : t.checks) {
        checks.push_back({{"dimension", k.dimension},
                          {"limit", k.limit},
                          {"p95", k.p95},
                          {"peak", k.peak},
                          {"holds_p95", k.holds_p95()},
                          {"holds_peak", k.holds_peak()}});
      }
      tiers.push_back({{"tier", t.tier}, {"holds_p95", t.holds_p95()}, {"holds_peak", t.holds_peak()},
                       {"limits", std::move(checks)}});
    }
    json::array models;
    for (const auto& m : d.models) {
      models.push_back(json::value(m));
    }
    classes.push_back({{"provider", d.provider},
                       {"model_class", d.model_class},
                       {"models", std::move(models)},
                       {"requests", d.requests},
                       {"requests_per_minute", quantiles_json(d.rpm)},
                       {"itpm_tokens_per_minute", quantiles_json(d.itpm)},
                       {"output_tokens_per_minute", quantiles_json(d.otpm)},
                       {"all_tokens_per_minute", quantiles_json(d.tpm)},
                       {"tiers", std::move(tiers)}});
  }
  json::array provisioned;
  for (const auto& p : c.provisioned) {
    json::object o{{"name", p.offer.name},
                   {"example", p.offer.example},
                   {"tokens_per_minute", p.offer.tokens_per_minute},
                   {"units_p95", p.units_p95},
                   {"units_peak", p.units_peak}};
    o["usd_per_hour_peak"] = p.usd_per_hour_peak ? json::value(*p.usd_per_hour_peak) : json::value(nullptr);
    provisioned.push_back(std::move(o));
  }
  json::object o{{"classes", std::move(classes)}, {"provisioned", std::move(provisioned)}};
  if (c.gpu) {
    const auto& g = *c.gpu;
    o["local_gpu"] = {{"basis", g.basis},
                      {"input_tokens_per_s", g.input_tokens_per_s},
                      {"output_tokens_per_s", g.output_tokens_per_s},
                      {"peak_input_per_s", g.peak_input_per_s},
                      {"peak_output_per_s", g.peak_output_per_s},
                      {"peak_prompt_per_s", g.peak_prompt_per_s},
                      {"gpus_p95", g.gpus_p95},
                      {"gpus_peak", g.gpus_peak},
                      {"gpus_peak_no_prefix_cache", g.gpus_peak_no_prefix_cache}};
  } else {
    o["local_gpu"] = nullptr;
  }
  return o;
}

}  // namespace

json::value to_json(const Report& r) {
  const auto& v = r.velocity;
  json::array groups;
  for (const auto& g : v.groups) {
    groups.push_back({{"key", g.key}, {"totals", totals_json(g.totals)}, {"rates", rates_json(g.rates)}});
  }
  json::array sessions;
  for (const auto& s : v.top_sessions) {
    sessions.push_back({{"session", s.session},
                        {"agent", s.agent},
                        {"requests", s.requests},
                        {"tokens", s.tokens},
                        {"cost_usd", s.cost_usd},
                        {"first_start", format_rfc3339(s.first_start_ms)},
                        {"last_end", format_rfc3339(s.last_end_ms)},
                        {"active_minutes", s.active_minutes},
                        {"tokens_per_minute", s.tokens_per_minute},
                        {"peak_minute", format_rfc3339(s.peak_minute_ms)},
                        {"peak_minute_tokens", s.peak_minute_tokens}});
  }
  json::array refusals;
  for (const auto& u : v.refusals) {
    json::object reasons;
    for (const auto& [reason, n] : u.by_reason) {
      reasons[reason] = n;
    }
    refusals.push_back({{"upstream", u.upstream}, {"total", u.total}, {"by_reason", std::move(reasons)}});
  }
  json::array flows;
  for (const auto& f : v.flows) {
    flows.push_back({{"route", f.route},
                     {"upstream", f.upstream},
                     {"requests", f.requests},
                     {"queued", f.queued},
                     {"queued_ms_max", f.queued_ms_max},
                     {"queued_ms_total", f.queued_ms_total},
                     {"overflowed", f.overflowed}});
  }
  json::object statuses;
  for (const auto& [status, n] : v.error_statuses) {
    statuses[std::to_string(status)] = n;
  }
  return {{"totals", totals_json(v.totals)},
          {"window", window_json(r)},
          {"per_minute", per_minute_json(v.series)},
          {"peak", peak_json(v.series)},
          {"percentiles", rates_json(v.rates)},
          {"group_by", to_string(r.by)},
          {"groups", std::move(groups)},
          {"top_sessions", std::move(sessions)},
          {"refusals", std::move(refusals)},
          {"flows", std::move(flows)},
          {"error_statuses", std::move(statuses)},
          {"capacity", capacity_json(r.capacity)},
          {"cost_basis", r.repriced ? "repriced" : "stored"},
          {"prices", {{"date", r.prices.date}, {"source", r.prices.source}}},
          {"tiers", {{"date", r.tiers.date}, {"source", r.tiers.source}}}};
}

void write_json(const Report& r, std::ostream& out) { out << json::serialize(to_json(r)) << '\n'; }

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (const char c : text) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

void write_csv(const Report& r, std::ostream& out) {
  const auto& v = r.velocity;
  out << "table,minute_utc,minute_unix_ms,requests,input_tokens,output_tokens,cache_read_tokens,"
         "cache_write_tokens,total_tokens\n";
  for (std::size_t i = 0; i < v.series.minutes.size(); ++i) {
    const auto& m = v.series.minutes[i];
    const auto ms = v.series.first_minute_ms + static_cast<std::int64_t>(i) * 60'000;
    out << "minute," << format_rfc3339(ms) << ',' << ms << ',' << m.requests << ',' << m.tokens.input << ','
        << m.tokens.output << ',' << m.tokens.cache_read << ',' << m.tokens.cache_write << ',' << m.tokens.total()
        << '\n';
  }
  out << "\ntable,group_by,key,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,"
         "total_tokens,cost_usd,unpriced_requests,tokens_per_min_p50,tokens_per_min_p95,tokens_per_min_p99,"
         "tokens_per_min_max,requests_per_min_p50,requests_per_min_p95,requests_per_min_p99,requests_per_min_max\n";
  for (const auto& g : v.groups) {
    const auto& t = g.totals;
    const auto& q = g.rates.tokens_per_minute;
    const auto& rq = g.rates.requests_per_minute;
    out << "group," << to_string(r.by) << ',' << csv_field(g.key) << ',' << t.requests << ',' << t.tokens.input << ','
        << t.tokens.output << ',' << t.tokens.cache_read << ',' << t.tokens.cache_write << ',' << t.tokens.total()
        << ',' << fmt::format("{:.10g}", t.cost_usd) << ',' << t.unpriced_requests << ',' << q.p50 << ','
        << q.p95 << ',' << q.p99 << ',' << q.max << ',' << rq.p50 << ',' << rq.p95 << ',' << rq.p99 << ','
        << rq.max << '\n';
  }
}

}  // namespace spillway::audit
