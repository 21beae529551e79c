#include "audit/report_html.hpp"

#include <fmt/format.h>

#include <vector>

#include "audit/chart_columns.hpp"
#include "audit/report_text.hpp"
#include "audit/time_spec.hpp"

namespace spillway::audit {

namespace {

constexpr std::size_t svg_columns = 240;

const char* const style = R"css(
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .7em;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#176317}.over{color:#a11}.note{color:#666;font-size:.9em}
svg{background:#fafafa;border:1px solid #ddd}
)css";

std::string esc(const std::string& s) { return html_escape(s); }
std::string shown(const std::string& key) { return esc(key.empty() ? "(none)" : key); }
std::string num(std::int64_t n) { return "<td class=n>" + with_commas(n) + "</td>"; }
std::string cell(const std::string& escaped) { return "<td>" + escaped + "</td>"; }

void svg_chart(std::ostream& out, const std::string& title, const std::vector<std::int64_t>& per_minute,
               std::int64_t first_minute_ms, const char* unit) {
  const auto chart = chart_columns(per_minute, first_minute_ms, svg_columns);
  const double width = 960, height = 220, left = 70, bottom = 24, top = 22;
  const double plot_w = width - left - 10, plot_h = height - bottom - top;
  const double bar = plot_w / static_cast<double>(std::max<std::size_t>(chart.columns.size(), 1));
  out << "<h2>" << esc(title) << "</h2>\n<p class=note>Peak " << with_commas(chart.peak_value) << ' ' << unit << " at "
      << format_utc_minute(chart.peak_minute_ms);
  if (chart.minutes_per_column > 1) {
    out << "; each bar is " << chart.minutes_per_column << " minutes, showing the busiest of them";
  }
  out << ".</p>\n";
  out << fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}">)",
                     width, height)
      << '\n';
  out << fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)", left - 6, top + 4,
                     with_commas(chart.peak_value))
      << fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">0</text>)", left - 6, top + plot_h)
      << '\n';
  for (std::size_t i = 0; i < chart.columns.size(); ++i) {
    const auto& c = chart.columns[i];
    const double h = chart.peak_value > 0 ? plot_h * static_cast<double>(c.value) / static_cast<double>(chart.peak_value)
                                          : 0;
    const bool peak = i == chart.peak_column;
    out << fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}: {}</title></rect>)",
                       left + bar * static_cast<double>(i), top + plot_h - h, std::max(bar - 0.5, 0.5), h,
                       peak ? "#c0392b" : "#4a78b5", format_utc_minute(c.start_ms), with_commas(c.value))
        << '\n';
    if (peak) {
      out << fmt::format(R"(<text x="{:.1f}" y="{}" font-size="11" fill="#c0392b" text-anchor="middle">peak {}</text>)",
                         left + bar * (static_cast<double>(i) + 0.5), top - 6, with_commas(chart.peak_value))
          << '\n';
    }
  }
  out << fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#888"/>)", left, top + plot_h, left + plot_w);
  if (!chart.columns.empty()) {
    out << fmt::format(R"(<text x="{}" y="{}" font-size="11">{}</text>)", left, height - 6,
                       format_utc_minute(chart.columns.front().start_ms))
        << fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)", left + plot_w, height - 6,
                       format_utc_minute(chart.columns.back().start_ms));
  }
  out << "\n</svg>\n";
}

void quantile_row(std::ostream& out, const std::string& label, const Quantiles& q) {
  out << "<tr>" << cell(label) << num(q.p50) << num(q.p95) << num(q.p99) << num(q.max) << "</tr>\n";
}

void groups_table(std::ostream& out, const Report& r) {
  out << "<h2>By " << to_string(r.by) << "</h2>\n<table><tr><th>" << to_string(r.by)
      << "</th><th>requests</th><th>tokens</th><th>tokens/min p50</th><th>p95</th><th>p99</th><th>max</th>"
         "<th>requests/min p95</th><th>max</th><th>cost</th><th>no price</th></tr>\n";
  for (const auto& g : r.velocity.groups) {
    const auto& q = g.rates.tokens_per_minute;
    out << "<tr>" << cell(shown(g.key)) << num(g.totals.requests) << num(g.totals.tokens.total()) << num(q.p50)
        << num(q.p95) << num(q.p99) << num(q.max) << num(g.rates.requests_per_minute.p95)
        << num(g.rates.requests_per_minute.max) << "<td class=n>" << dollars(g.totals.cost_usd) << "</td>"
        << num(g.totals.unpriced_requests) << "</tr>\n";
  }
  out << "</table>\n";
}

void sessions_table(std::ostream& out, const Report& r) {
  out << "<h2>Sessions with the highest token velocity</h2>\n<p class=note>Tokens over the session's active span "
         "(first start to last end, at least one minute).</p>\n";
  out << "<table><tr><th>session</th><th>agent</th><th>requests</th><th>tokens</th><th>minutes</th>"
         "<th>tokens/min</th><th>peak minute tokens</th><th>at</th><th>cost</th></tr>\n";
  for (const auto& s : r.velocity.top_sessions) {
    out << "<tr>" << cell(esc(s.session)) << cell(shown(s.agent)) << num(s.requests) << num(s.tokens)
        << "<td class=n>" << fmt::format("{:.1f}", s.active_minutes) << "</td>"
        << num(static_cast<std::int64_t>(s.tokens_per_minute + 0.5)) << num(s.peak_minute_tokens)
        << cell(format_utc_minute(s.peak_minute_ms)) << "<td class=n>" << dollars(s.cost_usd) << "</td></tr>\n";
  }
  out << "</table>\n";
}

void refusals_tables(std::ostream& out, const Report& r) {
  const auto& v = r.velocity;
  out << "<h2>What the upstreams refused</h2>\n<table><tr><th>upstream</th><th>refused attempts</th><th>reasons</th></tr>\n";
  for (const auto& u : v.refusals) {
    std::string reasons;
    for (const auto& [reason, n] : u.by_reason) {
      reasons += (reasons.empty() ? "" : ", ") + esc(reason) + " &times;" + with_commas(n);
    }
    out << "<tr>" << cell(shown(u.upstream)) << num(u.total) << cell(reasons) << "</tr>\n";
  }
  out << "</table>\n<h2>What spillway queued or overflowed</h2>\n<table><tr><th>route</th><th>upstream</th>"
         "<th>requests</th><th>queued</th><th>max wait ms</th><th>overflowed</th></tr>\n";
  for (const auto& f : v.flows) {
    out << "<tr>" << cell(shown(f.route)) << cell(shown(f.upstream)) << num(f.requests) << num(f.queued)
        << num(f.queued_ms_max) << num(f.overflowed) << "</tr>\n";
  }
  out << "</table>\n<h2>Errors sent to clients</h2>\n<table><tr><th>status</th><th>requests</th></tr>\n";
  for (const auto& [status, n] : v.error_statuses) {
    out << "<tr>" << cell(status == 0 ? "client went away" : std::to_string(status)) << num(n) << "</tr>\n";
  }
  out << "</table>\n";
}

void capacity_section(std::ostream& out, const Report& r) {
  const auto& c = r.capacity;
  out << "<h2>Capacity</h2>\n<p class=note>Would each tier's limits have held the p95 minute and the peak minute "
         "of the traffic to that model class? Per-minute figures; providers refill continuously, so bursts within "
         "a minute can be refused below them.</p>\n";
  for (const auto& d : c.classes) {
    std::string models;
    for (const auto& m : d.models) {
      models += (models.empty() ? "" : ", ") + esc(m);
    }
    out << "<h3>" << esc(d.provider) << " / " << esc(d.model_class) << "</h3>\n<p class=note>"
        << with_commas(d.requests) << " requests (" << models << "). p95/peak per minute: requests "
        << with_commas(d.rpm.p95) << "/" << with_commas(d.rpm.max) << ", ITPM tokens " << with_commas(d.itpm.p95)
        << "/" << with_commas(d.itpm.max) << ", output " << with_commas(d.otpm.p95) << "/" << with_commas(d.otpm.max)
        << ", all tokens " << with_commas(d.tpm.p95) << "/" << with_commas(d.tpm.max) << ".</p>\n";
    out << "<table><tr><th>tier</th><th>p95</th><th>peak</th><th>limits</th></tr>\n";
    for (const auto& t : d.tiers) {
      std::string limits;
      for (const auto& k : t.checks) {
        limits += (limits.empty() ? "" : ", ") + k.dimension + " " + with_commas(k.limit);
      }
      const auto verdict = [](bool holds) {
        return std::string(holds ? "<td class=ok>holds</td>" : "<td class=over>over</td>");
      };
      out << "<tr>" << cell(esc(t.tier)) << verdict(t.holds_p95()) << verdict(t.holds_peak()) << cell(limits)
          << "</tr>\n";
    }
    out << "</table>\n";
  }
  if (!c.provisioned.empty()) {
    out << "<h3>Provisioned throughput</h3>\n<table><tr><th>offer</th><th>units for p95</th><th>units for peak</th>"
           "<th>cost/hour at peak</th></tr>\n";
    for (const auto& p : c.provisioned) {
      out << "<tr>" << cell(esc(p.offer.name) + (p.offer.example ? " <em>(example figures)</em>" : ""))
          << num(p.units_p95) << num(p.units_peak)
          << cell(p.usd_per_hour_peak ? dollars(*p.usd_per_hour_peak) : "-") << "</tr>\n";
    }
    out << "</table>\n";
  }
  if (c.gpu) {
    const auto& g = *c.gpu;
    out << "<h3>Local GPUs</h3>\n<p>" << esc(g.basis) << ": " << fmt::format("{:g}", g.input_tokens_per_s)
        << " input and " << fmt::format("{:g}", g.output_tokens_per_s) << " output tokens/s per GPU. Peak uncached "
        << "input " << fmt::format("{:.1f}", g.peak_input_per_s) << " tokens/s, peak output "
        << fmt::format("{:.1f}", g.peak_output_per_s) << " tokens/s.</p>\n<p>GPUs for the p95 minute: <b>"
        << g.gpus_p95 << "</b>; for the peak: <b>" << g.gpus_peak
        << "</b>; for the peak with no prompt prefix cached: <b>" << g.gpus_peak_no_prefix_cache << "</b>.</p>\n";
  }
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_html(const Report& r, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>spillway audit</title><style>" << style
      << "</style></head><body>\n<h1>spillway audit: token velocity</h1>\n";
  const auto& v = r.velocity;
  if (r.empty()) {
    out << "<p>No requests between " << esc(describe_window(r.window)) << ".</p>\n</body></html>\n";
    return;
  }
  const auto& t = v.totals;
  out << "<p>" << format_utc_minute(v.series.first_minute_ms) << " to "
      << format_utc_minute(v.series.first_minute_ms + static_cast<std::int64_t>(v.series.minutes.size()) * 60'000)
      << " (" << v.series.minutes.size() << " minutes; window " << esc(describe_window(r.window)) << ")</p>\n";
  out << "<table><tr><th>requests</th><th>tokens</th><th>input</th><th>output</th><th>cache read</th>"
         "<th>cache write</th><th>cost</th><th>no price</th></tr>\n<tr>"
      << num(t.requests) << num(t.tokens.total()) << num(t.tokens.input) << num(t.tokens.output)
      << num(t.tokens.cache_read) << num(t.tokens.cache_write) << "<td class=n>" << dollars(t.cost_usd) << "</td>"
      << num(t.unpriced_requests) << "</tr></table>\n";
  svg_chart(out, "Tokens per minute", v.series.tokens(), v.series.first_minute_ms, "tokens/min");
  svg_chart(out, "Requests per minute", v.series.requests(), v.series.first_minute_ms, "requests/min");
  out << "<h2>Per-minute percentiles</h2>\n<p class=note>Nearest rank over " << v.series.minutes.size()
      << " minutes; quiet minutes count as 0.</p>\n<table><tr><th></th><th>p50</th><th>p95</th><th>p99</th>"
         "<th>max</th></tr>\n";
  quantile_row(out, "tokens/min", v.rates.tokens_per_minute);
  quantile_row(out, "requests/min", v.rates.requests_per_minute);
  out << "</table>\n";
  groups_table(out, r);
  sessions_table(out, r);
  refusals_tables(out, r);
  capacity_section(out, r);
  out << "<h2>Data</h2>\n<p class=note>Prices: " << esc(r.prices.date) << ", " << esc(r.prices.source)
      << (r.repriced ? " (costs repriced with this table)" : " (costs as the gateway stored them)")
      << ".<br>Tiers: " << esc(r.tiers.date) << ", " << esc(r.tiers.source) << ".</p>\n</body></html>\n";
}

}  // namespace spillway::audit
