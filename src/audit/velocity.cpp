#include "audit/velocity.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace spillway::audit {

namespace {

constexpr std::int64_t minute_ms = 60'000;

std::int64_t minute_of(std::int64_t ms) {
  // Floor, also for times before 1970.
  return (ms >= 0 ? ms / minute_ms : (ms - minute_ms + 1) / minute_ms) * minute_ms;
}

const std::string& group_key(const Record& r, GroupBy by) {
  switch (by) {
    case GroupBy::agent: return r.agent;
    case GroupBy::session: return r.session;
    case GroupBy::model: return r.model;
    case GroupBy::upstream: return r.upstream;
    case GroupBy::key: return r.key_name;
  }
  return r.agent;
}

void count_into(Totals& t, const Record& r, const std::optional<double>& cost) {
  ++t.requests;
  t.tokens.add(r);
  if (cost) {
    t.cost_usd += *cost;
  } else {
    ++t.unpriced_requests;
  }
  t.estimated_usage += r.usage_estimated ? 1 : 0;
  t.queued += r.queued_ms > 0 ? 1 : 0;
  t.overflowed += r.overflowed ? 1 : 0;
  t.errors += (r.status >= 400 || r.status == 0) ? 1 : 0;
}

std::size_t minute_index(const MinuteSeries& s, const Record& r) {
  return static_cast<std::size_t>((minute_of(r.start_ms) - s.first_minute_ms) / minute_ms);
}

Rates rates_of(const MinuteSeries& s) { return {quantiles(s.tokens()), quantiles(s.requests())}; }

std::size_t index_of_max(const std::vector<std::int64_t>& v) {
  return v.empty() ? 0 : static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// "anthropic:429,openai:connect" -> (anthropic, 429), (openai, connect). The reason follows the
// last ':', so an upstream name with a colon in it stays whole.
void parse_refusals(const std::string& list, std::map<std::string, UpstreamRefusals>& into) {
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    const std::string item = list.substr(start, end - start);
    start = end + 1;
    if (item.empty()) {
      continue;
    }
    const auto colon = item.rfind(':');
    const std::string upstream = colon == std::string::npos ? item : item.substr(0, colon);
    const std::string reason = colon == std::string::npos ? "unknown" : item.substr(colon + 1);
    auto& entry = into[upstream];
    entry.upstream = upstream;
    ++entry.total;
    ++entry.by_reason[reason];
  }
}

}  // namespace

void TokenCounts::add(const Record& r) {
  input += r.input_tokens;
  output += r.output_tokens;
  cache_read += r.cache_read_tokens;
  cache_write += r.cache_write_tokens;
}

std::vector<std::int64_t> MinuteSeries::tokens() const {
  std::vector<std::int64_t> out;
  out.reserve(minutes.size());
  for (const auto& m : minutes) {
    out.push_back(m.tokens.total());
  }
  return out;
}

std::vector<std::int64_t> MinuteSeries::requests() const {
  std::vector<std::int64_t> out;
  out.reserve(minutes.size());
  for (const auto& m : minutes) {
    out.push_back(m.requests);
  }
  return out;
}

std::size_t MinuteSeries::peak_tokens_minute() const { return index_of_max(tokens()); }
std::size_t MinuteSeries::peak_requests_minute() const { return index_of_max(requests()); }

std::optional<GroupBy> parse_group_by(std::string_view text) {
  for (auto by : {GroupBy::agent, GroupBy::session, GroupBy::model, GroupBy::upstream, GroupBy::key}) {
    if (text == to_string(by)) {
      return by;
    }
  }
  return std::nullopt;
}

const char* to_string(GroupBy by) {
  switch (by) {
    case GroupBy::agent: return "agent";
    case GroupBy::session: return "session";
    case GroupBy::model: return "model";
    case GroupBy::upstream: return "upstream";
    case GroupBy::key: return "key";
  }
  return "agent";
}

std::optional<double> row_cost(const Record& r, const PriceTable& prices, bool reprice) {
  if (!reprice && r.cost_usd) {
    return r.cost_usd;
  }
  if (r.input_tokens == 0 && r.output_tokens == 0 && r.cache_read_tokens == 0 && r.cache_write_tokens == 0) {
    return 0.0;  // nothing used, nothing to pay, price or not
  }
  const auto& model = r.upstream_model.empty() ? r.model : r.upstream_model;
  if (auto price = prices.find(model)) {
    return cost_usd(*price, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens);
  }
  return r.cost_usd;
}

MinuteSeries series_over(const std::vector<Record>& rows, const MinuteSeries& like,
                         const std::function<bool(const Record&)>& keep) {
  MinuteSeries s;
  s.first_minute_ms = like.first_minute_ms;
  s.minutes.resize(like.minutes.size());
  for (const auto& r : rows) {
    if (!keep(r)) {
      continue;
    }
    const auto i = minute_index(s, r);
    if (i < s.minutes.size()) {
      ++s.minutes[i].requests;
      s.minutes[i].tokens.add(r);
    }
  }
  return s;
}

Velocity compute_velocity(const std::vector<Record>& rows, const PriceTable& prices, const VelocityOptions& options) {
  Velocity v;
  if (rows.empty()) {
    return v;
  }
  std::int64_t first = minute_of(rows.front().start_ms);
  std::int64_t last = first;
  for (const auto& r : rows) {
    first = std::min(first, minute_of(r.start_ms));
    last = std::max(last, minute_of(r.start_ms));
  }
  MinuteSeries frame;
  frame.first_minute_ms = first;
  frame.minutes.resize(static_cast<std::size_t>((last - first) / minute_ms + 1));
  const auto all = [](const Record&) { return true; };
  v.series = series_over(rows, frame, all);
  v.rates = rates_of(v.series);

  std::map<std::string, Totals> group_totals;
  std::unordered_map<std::string, SessionVelocity> sessions;
  std::unordered_map<std::string, std::map<std::int64_t, std::int64_t>> session_minutes;
  std::map<std::string, UpstreamRefusals> refusals;
  std::map<std::pair<std::string, std::string>, Flow> flows;
  for (const auto& r : rows) {
    const auto cost = row_cost(r, prices, options.reprice);
    count_into(v.totals, r, cost);
    count_into(group_totals[group_key(r, options.by)], r, cost);
    if (!r.session.empty()) {
      auto [it, fresh] = sessions.try_emplace(r.session);
      auto& s = it->second;
      if (fresh) {
        s.session = r.session;
        s.agent = r.agent;
        s.first_start_ms = r.start_ms;
        s.last_end_ms = r.end_ms;
      }
      ++s.requests;
      s.tokens += r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens;
      s.cost_usd += cost.value_or(0);
      s.first_start_ms = std::min(s.first_start_ms, r.start_ms);
      s.last_end_ms = std::max(s.last_end_ms, r.end_ms);
      session_minutes[r.session][minute_of(r.start_ms)] +=
          r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens;
    }
    parse_refusals(r.refused_by, refusals);
    auto& flow = flows[{r.route, r.upstream}];
    flow.route = r.route;
    flow.upstream = r.upstream;
    ++flow.requests;
    if (r.queued_ms > 0) {
      ++flow.queued;
      flow.queued_ms_total += r.queued_ms;
      flow.queued_ms_max = std::max(flow.queued_ms_max, r.queued_ms);
    }
    flow.overflowed += r.overflowed ? 1 : 0;
    if (r.status >= 400 || r.status == 0) {
      ++v.error_statuses[r.status];
    }
  }

  // Per-group rates in one pass, sparse: a group's quiet minutes are the zeros.
  std::map<std::string, std::map<std::size_t, MinuteCounts>> group_minutes;
  for (const auto& r : rows) {
    auto& m = group_minutes[group_key(r, options.by)][minute_index(v.series, r)];
    ++m.requests;
    m.tokens.add(r);
  }
  for (auto& [key, totals] : group_totals) {
    Group g;
    g.key = key;
    g.totals = totals;
    std::vector<std::int64_t> tokens, requests;
    for (const auto& [i, m] : group_minutes[key]) {
      tokens.push_back(m.tokens.total());
      requests.push_back(m.requests);
    }
    const auto n = v.series.minutes.size();
    g.rates = {quantiles_with_zeros(std::move(tokens), n), quantiles_with_zeros(std::move(requests), n)};
    v.groups.push_back(std::move(g));
  }
  std::stable_sort(v.groups.begin(), v.groups.end(), [](const Group& a, const Group& b) {
    return a.totals.tokens.total() > b.totals.tokens.total();
  });

  for (auto& [name, s] : sessions) {
    s.active_minutes = std::max(1.0, static_cast<double>(s.last_end_ms - s.first_start_ms) / minute_ms);
    s.tokens_per_minute = static_cast<double>(s.tokens) / s.active_minutes;
    for (const auto& [minute, tokens] : session_minutes[name]) {  // ascending: the first peak wins
      if (tokens > s.peak_minute_tokens) {
        s.peak_minute_tokens = tokens;
        s.peak_minute_ms = minute;
      }
    }
    if (s.peak_minute_tokens == 0) {
      s.peak_minute_ms = minute_of(s.first_start_ms);
    }
    v.top_sessions.push_back(s);
  }
  std::sort(v.top_sessions.begin(), v.top_sessions.end(), [](const SessionVelocity& a, const SessionVelocity& b) {
    if (a.tokens_per_minute != b.tokens_per_minute) {
      return a.tokens_per_minute > b.tokens_per_minute;
    }
    if (a.tokens != b.tokens) {
      return a.tokens > b.tokens;
    }
    return a.session < b.session;
  });
  if (v.top_sessions.size() > options.top_sessions) {
    v.top_sessions.resize(options.top_sessions);
  }

  for (auto& [name, r] : refusals) {
    v.refusals.push_back(std::move(r));
  }
  std::stable_sort(v.refusals.begin(), v.refusals.end(),
                   [](const UpstreamRefusals& a, const UpstreamRefusals& b) { return a.total > b.total; });
  for (auto& [key, f] : flows) {
    v.flows.push_back(std::move(f));
  }
  return v;
}

}  // namespace spillway::audit
