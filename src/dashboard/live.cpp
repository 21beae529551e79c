#include "dashboard/live.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace spillway::dashboard {

namespace json = boost::json;

namespace {

constexpr std::int64_t minute_ms = 60'000;

std::string cut(const std::string& text) {
  return text.size() <= Live::max_text ? text : text.substr(0, Live::max_text);
}

bool is_error(int status) { return status == 0 || status >= 400; }

json::object totals_json(const Totals& t) {
  return {{"requests", t.requests},
          {"input_tokens", t.input_tokens},
          {"output_tokens", t.output_tokens},
          {"cache_read_tokens", t.cache_read_tokens},
          {"cache_write_tokens", t.cache_write_tokens},
          {"total_tokens", t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_tokens},
          {"errors", t.errors},
          {"queued", t.queued},
          {"overflowed", t.overflowed},
          {"cost_usd", t.cost_usd}};
}

void add(Totals& t, const audit::Record& r) {
  ++t.requests;
  t.input_tokens += std::max<std::int64_t>(0, r.input_tokens);
  t.output_tokens += std::max<std::int64_t>(0, r.output_tokens);
  t.cache_read_tokens += std::max<std::int64_t>(0, r.cache_read_tokens);
  t.cache_write_tokens += std::max<std::int64_t>(0, r.cache_write_tokens);
  t.errors += is_error(r.status) ? 1 : 0;
  t.queued += r.queued_ms > 0 ? 1 : 0;
  t.overflowed += r.overflowed ? 1 : 0;
  t.cost_usd += r.cost_usd.value_or(0);
}

json::object series_json(const std::vector<MinuteCounts>& minutes) {
  json::array requests, input, output, cache, errors, queued, queued_ms, overflowed, r429, cost;
  for (const auto& m : minutes) {
    requests.push_back(m.requests);
    input.push_back(m.input_tokens);
    output.push_back(m.output_tokens);
    cache.push_back(m.cache_tokens);
    errors.push_back(m.errors);
    queued.push_back(m.queued);
    queued_ms.push_back(m.queued_ms);
    overflowed.push_back(m.overflowed);
    r429.push_back(m.upstream_429s);
    cost.push_back(m.cost_usd);
  }
  return {{"requests", std::move(requests)},         {"input_tokens", std::move(input)},
          {"output_tokens", std::move(output)},      {"cache_tokens", std::move(cache)},
          {"errors", std::move(errors)},             {"queued", std::move(queued)},
          {"queued_ms", std::move(queued_ms)},       {"overflowed", std::move(overflowed)},
          {"upstream_429s", std::move(r429)},        {"cost_usd", std::move(cost)}};
}

json::object recent_json_of(const RecentRequest& e) {
  const auto& r = e.record;
  return {{"seq", e.seq},
          {"start_ms", r.start_ms},
          {"duration_ms", r.end_ms - r.start_ms},
          {"ttft_ms", r.ttft_ms},
          {"key", r.key_name},
          {"agent", r.agent},
          {"session", r.session},
          {"dialect", r.dialect},
          {"endpoint", r.endpoint},
          {"model", r.model},
          {"route", r.route},
          {"upstream", r.upstream},
          {"upstream_model", r.upstream_model},
          {"status", r.status},
          {"attempts", r.attempts},
          {"queued_ms", r.queued_ms},
          {"stream", r.stream},
          {"overflowed", r.overflowed},
          {"refused_by", r.refused_by},
          {"input_tokens", r.input_tokens},
          {"output_tokens", r.output_tokens},
          {"cache_read_tokens", r.cache_read_tokens},
          {"cache_write_tokens", r.cache_write_tokens},
          {"usage_estimated", r.usage_estimated},
          {"cost_usd", r.cost_usd ? json::value(*r.cost_usd) : json::value(nullptr)}};
}

}  // namespace

Live::Live(const std::vector<std::string>& upstreams, std::int64_t started_ms, LiveOptions options)
    : options_(options), started_ms_(started_ms) {
  for (const auto& name : upstreams) {
    upstream_locked(name);
  }
}

Live::Upstream& Live::upstream_locked(std::string_view name) {
  for (auto& u : upstreams_) {
    if (u.name == name) {
      return u;
    }
  }
  // Names come from the config, but a bound costs nothing and keeps memory flat regardless.
  if (upstreams_.size() + 1 >= options_.max_upstreams) {
    for (auto& u : upstreams_) {
      if (u.name == "other") {
        return u;
      }
    }
    name = "other";
  }
  return upstreams_.emplace_back(Upstream{std::string(name), {}, MinuteRing(options_.minutes)});
}

void Live::observe(const audit::Record& r) {
  RecentRequest entry;
  entry.record.start_ms = r.start_ms;
  entry.record.end_ms = r.end_ms;
  entry.record.ttft_ms = r.ttft_ms;
  entry.record.key_name = cut(r.key_name);
  entry.record.agent = cut(r.agent);
  entry.record.session = cut(r.session);
  entry.record.dialect = cut(r.dialect);
  entry.record.endpoint = cut(r.endpoint);
  entry.record.model = cut(r.model);
  entry.record.route = cut(r.route);
  entry.record.upstream = cut(r.upstream);
  entry.record.upstream_model = cut(r.upstream_model);
  entry.record.attempts = r.attempts;
  entry.record.queued_ms = r.queued_ms;
  entry.record.status = r.status;
  entry.record.stream = r.stream;
  entry.record.overflowed = r.overflowed;
  entry.record.refused_by = cut(r.refused_by);
  entry.record.input_tokens = r.input_tokens;
  entry.record.output_tokens = r.output_tokens;
  entry.record.cache_read_tokens = r.cache_read_tokens;
  entry.record.cache_write_tokens = r.cache_write_tokens;
  entry.record.usage_estimated = r.usage_estimated;
  entry.record.cost_usd = r.cost_usd;

  const std::int64_t minute = r.start_ms / minute_ms;
  std::lock_guard lock(mutex_);
  auto& u = upstream_locked(r.upstream.empty() ? std::string_view(no_upstream) : std::string_view(r.upstream));
  add(u.totals, r);
  if (auto* m = u.minutes.at(minute)) {
    ++m->requests;
    m->input_tokens += std::max<std::int64_t>(0, r.input_tokens);
    m->output_tokens += std::max<std::int64_t>(0, r.output_tokens);
    m->cache_tokens += std::max<std::int64_t>(0, r.cache_read_tokens) + std::max<std::int64_t>(0, r.cache_write_tokens);
    m->errors += is_error(r.status) ? 1 : 0;
    m->queued += r.queued_ms > 0 ? 1 : 0;
    m->queued_ms += std::max<std::int64_t>(0, r.queued_ms);
    m->overflowed += r.overflowed ? 1 : 0;
    m->cost_usd += r.cost_usd.value_or(0);
  }
  // "premium:429,local:connect": each 429 counts for the upstream that answered it.
  std::string_view refused = r.refused_by;
  int refusals = 0;
  while (!refused.empty()) {
    const auto comma = refused.find(',');
    const auto item = refused.substr(0, comma);
    refused = comma == std::string_view::npos ? std::string_view{} : refused.substr(comma + 1);
    ++refusals;
    const auto colon = item.rfind(':');
    if (colon != std::string_view::npos && item.substr(colon + 1) == "429") {
      if (auto* m = upstream_locked(item.substr(0, colon)).minutes.at(minute)) {
        ++m->upstream_429s;
      }
    }
  }
  // The last attempt's answer is not a refusal on the way but the answer: a 429 after one attempt
  // more than the refusals came from that upstream (the gateway's own 429s follow no attempt).
  if (r.status == 429 && !r.upstream.empty() && r.attempts > refusals) {
    if (auto* m = u.minutes.at(minute)) {
      ++m->upstream_429s;
    }
  }
  entry.seq = ++seq_;
  recent_.push_back(std::move(entry));
  while (recent_.size() > options_.recent) {
    recent_.pop_front();
  }
}

std::string Live::stats_json(std::int64_t now_ms, std::size_t minutes, const std::string& limits_json) const {
  minutes = std::clamp<std::size_t>(minutes, 1, options_.minutes);
  const std::int64_t last_minute = now_ms / minute_ms;
  json::object out;
  out["now_ms"] = now_ms;
  out["started_ms"] = started_ms_;
  Totals all;
  json::array ups;
  json::object series;
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& u : upstreams_) {
      const auto& t = u.totals;
      all.requests += t.requests;
      all.input_tokens += t.input_tokens;
      all.output_tokens += t.output_tokens;
      all.cache_read_tokens += t.cache_read_tokens;
      all.cache_write_tokens += t.cache_write_tokens;
      all.errors += t.errors;
      all.queued += t.queued;
      all.overflowed += t.overflowed;
      all.cost_usd += t.cost_usd;
      ups.push_back({{"name", u.name}, {"totals", totals_json(t)}});
      series[u.name] = series_json(u.minutes.window(last_minute, minutes));
    }
    seq = seq_;
  }
  out["totals"] = totals_json(all);
  out["upstreams"] = std::move(ups);
  out["minutes"] = {{"first_minute_ms", (last_minute - static_cast<std::int64_t>(minutes) + 1) * minute_ms},
                    {"count", minutes},
                    {"series", std::move(series)}};
  boost::system::error_code ec;
  auto limits = json::parse(limits_json, ec);
  out["limits"] = ec ? json::value(nullptr) : std::move(limits);
  out["event_streams"] = streams.used();
  out["recent_seq"] = seq;
  return json::serialize(out);
}

std::string Live::recent_json(std::size_t limit, std::uint64_t after) const {
  json::array items;
  std::lock_guard lock(mutex_);
  for (auto it = recent_.rbegin(); it != recent_.rend() && items.size() < limit && it->seq > after; ++it) {
    items.push_back(recent_json_of(*it));
  }
  return json::serialize(json::object{{"requests", std::move(items)}, {"kept", options_.recent}, {"latest_seq", seq_}});
}

std::optional<Slots::Held> Slots::take() {
  int now = used_.load();
  while (now < max_) {
    if (used_.compare_exchange_weak(now, now + 1)) {
      return std::optional<Held>(std::in_place, *this);
    }
  }
  return std::nullopt;
}

}  // namespace spillway::dashboard
