#include "audit/report_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audit/chart_columns.hpp"
#include "audit/time_spec.hpp"

namespace spillway::audit {

namespace {

constexpr std::size_t chart_width = 60;
constexpr int chart_height = 8;

// Columns padded to their widest cell; the first left-aligned, the rest right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void write(std::ostream& out, const std::string& indent = "  ") const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      width.resize(std::max(width.size(), row.size()));
      for (std::size_t i = 0; i < row.size(); ++i) {
        width[i] = std::max(width[i], row[i].size());
      }
    }
    for (const auto& row : rows_) {
      std::string line = indent;
      for (std::size_t i = 0; i < row.size(); ++i) {
        line += i == 0 ? fmt::format("{:<{}}", row[i], width[i]) : fmt::format("  {:>{}}", row[i], width[i]);
      }
      while (!line.empty() && line.back() == ' ') {
        line.pop_back();
      }
      out << line << '\n';
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string shown(const std::string& key) { return key.empty() ? "(none)" : key; }

// Control characters from the database would move the terminal's cursor: show them escaped.
std::string printable(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string hh_mm(std::int64_t ms) { return format_rfc3339(ms).substr(11, 5); }

void write_chart(std::ostream& out, const std::string& title, const std::vector<std::int64_t>& per_minute,
                 std::int64_t first_minute_ms, const char* unit) {
  const auto chart = chart_columns(per_minute, first_minute_ms, chart_width);
  out << title << " (";
  if (chart.minutes_per_column > 1) {
    out << "each column is " << chart.minutes_per_column << " minutes, showing the busiest of them";
  } else {
    out << "one column a minute";
  }
  out << "; peak " << with_commas(chart.peak_value) << ' ' << unit << " at "
      << format_utc_minute(chart.peak_minute_ms) << ", marked v)\n";
  const std::string top_label = with_commas(chart.peak_value);
  const std::size_t label_width = top_label.size();
  // The peak column's marker row, then bars scaled so the peak fills the height.
  std::string marker(chart.columns.size(), ' ');
  if (!chart.columns.empty()) {
    marker[chart.peak_column] = 'v';
  }
  out << "  " << std::string(label_width, ' ') << "  " << marker << '\n';
  for (int row = chart_height; row >= 1; --row) {
    std::string line;
    for (const auto& c : chart.columns) {
      // A column reaches this row when value / peak > (row - 1) / height; any non-zero value
      // shows at least one mark.
      const bool filled = chart.peak_value > 0 && c.value > 0 &&
                          c.value * chart_height > static_cast<std::int64_t>(row - 1) * chart.peak_value;
      line += filled ? '#' : ' ';
    }
    const std::string label = row == chart_height ? top_label : std::string();
    out << "  " << fmt::format("{:>{}}", label, label_width) << " |" << line << '\n';
  }
  out << "  " << fmt::format("{:>{}}", "0", label_width) << " +" << std::string(chart.columns.size(), '-') << '\n';
  if (!chart.columns.empty()) {
    const std::string first = hh_mm(chart.columns.front().start_ms);
    const std::string last = hh_mm(chart.columns.back().start_ms);
    std::string axis = first;
    if (chart.columns.size() > first.size() + last.size()) {
      axis += std::string(chart.columns.size() - first.size() - last.size(), ' ') + last;
    }
    out << "  " << std::string(label_width, ' ') << "  " << axis << " (UTC)\n";
  }
  out << '\n';
}

std::vector<std::string> quantile_cells(const Quantiles& q) {
  return {with_commas(q.p50), with_commas(q.p95), with_commas(q.p99), with_commas(q.max)};
}

void write_totals(const Report& r, std::ostream& out) {
  const auto& t = r.velocity.totals;
  const auto& s = r.velocity.series;
  out << "spillway audit: requests between " << describe_window(r.window) << '\n';
  out << "  per-minute series: " << format_utc_minute(s.first_minute_ms) << " (the first request's minute) to "
      << format_utc_minute(s.first_minute_ms + static_cast<std::int64_t>(s.minutes.size() - 1) * 60'000)
      << " (the last's), " << plural(static_cast<std::int64_t>(s.minutes.size()), "minute") << "\n\n";
  out << "Totals\n";
  out << "  requests     " << with_commas(t.requests) << '\n';
  out << "  tokens       " << with_commas(t.tokens.total()) << " (input " << with_commas(t.tokens.input) << ", output "
      << with_commas(t.tokens.output) << ", cache read " << with_commas(t.tokens.cache_read) << ", cache write "
      << with_commas(t.tokens.cache_write) << ")\n";
  out << "  cost         " << dollars(t.cost_usd) << (r.repriced ? " (repriced with the price table)" : "");
  if (t.unpriced_requests > 0) {
    out << "; " << plural(t.unpriced_requests, "request") << " with no known price not in it";
  }
  out << '\n';
  if (t.estimated_usage > 0) {
    out << "  estimated    usage of " << plural(t.estimated_usage, "request")
        << " (the upstream reported none; the gateway's estimate)\n";
  }
  out << '\n';
}

void write_rates(const Report& r, std::ostream& out) {
  const auto& v = r.velocity;
  out << "Per-minute percentiles (nearest rank over " << v.series.minutes.size()
      << " minutes, quiet minutes count as 0)\n";
  TextTable t({"", "p50", "p95", "p99", "max"});
  auto tok = quantile_cells(v.rates.tokens_per_minute);
  tok.insert(tok.begin(), "tokens/min");
  t.add(tok);
  auto req = quantile_cells(v.rates.requests_per_minute);
  req.insert(req.begin(), "requests/min");
  t.add(req);
  t.write(out);
  out << '\n';

  out << "By " << to_string(r.by) << '\n';
  TextTable g({to_string(r.by), "requests", "tokens", "tok/min p50", "p95", "p99", "max", "req/min p95", "max",
               "cost", "no price"});
  for (const auto& group : v.groups) {
    const auto& q = group.rates.tokens_per_minute;
    g.add({printable(shown(group.key)), with_commas(group.totals.requests), with_commas(group.totals.tokens.total()),
           with_commas(q.p50), with_commas(q.p95), with_commas(q.p99), with_commas(q.max),
           with_commas(group.rates.requests_per_minute.p95), with_commas(group.rates.requests_per_minute.max),
           dollars(group.totals.cost_usd), with_commas(group.totals.unpriced_requests)});
  }
  g.write(out);
  out << '\n';
}

void write_sessions(const Report& r, std::ostream& out) {
  const auto& sessions = r.velocity.top_sessions;
  out << "Sessions with the highest token velocity (tokens over the session's active span, at least 1 minute)\n";
  if (sessions.empty()) {
    out << "  no request carried a session id\n\n";
    return;
  }
  TextTable t({"session", "agent", "requests", "tokens", "minutes", "tokens/min", "peak minute", "at", "cost"});
  for (const auto& s : sessions) {
    t.add({printable(s.session), printable(shown(s.agent)), with_commas(s.requests), with_commas(s.tokens),
           fmt::format("{:.1f}", s.active_minutes), with_commas(static_cast<std::int64_t>(s.tokens_per_minute + 0.5)),
           with_commas(s.peak_minute_tokens), hh_mm(s.peak_minute_ms), dollars(s.cost_usd)});
  }
  t.write(out);
  out << '\n';
}

void write_refusals(const Report& r, std::ostream& out) {
  const auto& v = r.velocity;
  out << "What the upstreams refused (attempts, by reason)\n";
  if (v.refusals.empty()) {
    out << "  nothing\n";
  } else {
    TextTable t({"upstream", "refused", "reasons"});
    for (const auto& u : v.refusals) {
      std::string reasons;
      for (const auto& [reason, n] : u.by_reason) {
        reasons += (reasons.empty() ? "" : ", ") + printable(reason) + " x" + with_commas(n);
      }
      t.add({printable(shown(u.upstream)), with_commas(u.total), reasons});
    }
    t.write(out);
  }
  out << '\n';
  out << "What spillway queued or overflowed (route -> upstream that answered)\n";
  TextTable f({"route", "upstream", "requests", "queued", "max wait ms", "overflowed"});
  for (const auto& flow : v.flows) {
    f.add({printable(shown(flow.route)), printable(shown(flow.upstream)), with_commas(flow.requests),
           with_commas(flow.queued), with_commas(flow.queued_ms_max), with_commas(flow.overflowed)});
  }
  f.write(out);
  out << '\n';
  out << "Errors sent to clients\n";
  if (v.error_statuses.empty()) {
    out << "  none\n";
  }
  for (const auto& [status, n] : v.error_statuses) {
    out << "  " << (status == 0 ? std::string("client went away") : "status " + std::to_string(status)) << ": "
        << with_commas(n) << '\n';
  }
  out << '\n';
}

void write_capacity(const Report& r, std::ostream& out) {
  const auto& c = r.capacity;
  out << "Capacity: would these limits have held the p95 minute and the peak minute?\n";
  if (c.classes.empty()) {
    out << "  no request went to a model the tier tables know\n";
  }
  for (const auto& d : c.classes) {
    std::string models;
    for (const auto& m : d.models) {
      models += (models.empty() ? "" : ", ") + printable(m);
    }
    out << "  " << d.provider << " / " << d.model_class << " (" << plural(d.requests, "request") << ": " << models
        << ")\n";
    out << "    per minute p95/peak: requests " << with_commas(d.rpm.p95) << "/" << with_commas(d.rpm.max)
        << ", input (ITPM) " << with_commas(d.itpm.p95) << "/" << with_commas(d.itpm.max) << ", output "
        << with_commas(d.otpm.p95) << "/" << with_commas(d.otpm.max) << ", all tokens " << with_commas(d.tpm.p95)
        << "/" << with_commas(d.tpm.max) << '\n';
    TextTable t({"tier", "p95", "peak", "limits"});
    for (const auto& tier : d.tiers) {
      std::string limits;
      std::string short_p95, short_peak;
      for (const auto& check : tier.checks) {
        limits += (limits.empty() ? "" : ", ") + check.dimension + " " + with_commas(check.limit);
        if (!check.holds_p95()) {
          short_p95 += (short_p95.empty() ? "" : ",") + check.dimension;
        }
        if (!check.holds_peak()) {
          short_peak += (short_peak.empty() ? "" : ",") + check.dimension;
        }
      }
      t.add({tier.tier, short_p95.empty() ? "holds" : "over " + short_p95,
             short_peak.empty() ? "holds" : "over " + short_peak, limits});
    }
    t.write(out, "    ");
  }
  out << '\n';
  if (!c.provisioned.empty()) {
    out << "Provisioned throughput units to carry the traffic with no overflow\n";
    TextTable t({"offer", "units for p95", "units for peak", "cost/hour at peak"});
    for (const auto& p : c.provisioned) {
      t.add({p.offer.name + (p.offer.example ? " [example figures]" : ""), with_commas(p.units_p95),
             with_commas(p.units_peak), p.usd_per_hour_peak ? dollars(*p.usd_per_hour_peak) : "-"});
    }
    t.write(out);
    out << '\n';
  }
  if (c.gpu) {
    const auto& g = *c.gpu;
    out << "Local GPUs to carry the peak (" << g.basis << ": " << fmt::format("{:g}", g.input_tokens_per_s)
        << " input and " << fmt::format("{:g}", g.output_tokens_per_s) << " output tokens/s per GPU)\n";
    out << "  peak uncached input " << fmt::format("{:.1f}", g.peak_input_per_s) << " tokens/s, peak output "
        << fmt::format("{:.1f}", g.peak_output_per_s) << " tokens/s\n";
    out << "  GPUs for the p95 minute: " << g.gpus_p95 << "; for the peak: " << g.gpus_peak
        << "; for the peak if no prompt prefix were cached: " << g.gpus_peak_no_prefix_cache << "\n\n";
  }
}

}  // namespace

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string plural(std::int64_t n, const char* noun) {
  return with_commas(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string dollars(double usd) {
  if (usd != 0 && usd < 0.01 && usd > -0.01) {
    // Small sums keep their first significant digits: $0.00003, not $0.0000.
    std::string text = fmt::format("{:.8f}", usd);
    while (text.back() == '0') {
      text.pop_back();
    }
    return (usd < 0 ? "-$" + text.substr(1) : "$" + text);
  }
  return fmt::format("${:.2f}", usd);
}

void write_text(const Report& r, std::ostream& out) {
  if (r.empty()) {
    out << "no requests between " << describe_window(r.window) << '\n';
    return;
  }
  write_totals(r, out);
  const auto& s = r.velocity.series;
  write_chart(out, "Tokens per minute", s.tokens(), s.first_minute_ms, "tokens/min");
  write_chart(out, "Requests per minute", s.requests(), s.first_minute_ms, "requests/min");
  write_rates(r, out);
  write_sessions(r, out);
  write_refusals(r, out);
  write_capacity(r, out);
  out << "Prices: " << r.prices.date << ", " << r.prices.source << '\n';
  out << "Tiers:  " << r.tiers.date << ", " << r.tiers.source << '\n';
}

}  // namespace spillway::audit
