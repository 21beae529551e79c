#include "audit/audit_command.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "audit/report.hpp"
#include "audit/report_html.hpp"
#include "audit/report_json.hpp"
#include "audit/report_text.hpp"
#include "audit/schema.hpp"
#include "audit/time_spec.hpp"
#include "audit/usage_rows.hpp"
#include "config/config.hpp"
#include "config/read_file.hpp"

namespace spillway::audit {

namespace {

class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string read_file_or_fail(const std::string& path, const char* flag) {
  std::string text;
  if (auto why = config::detail::read_whole_file(path, text)) {
    throw BadInput(std::string(flag) + ": cannot read " + path + ": " + *why);
  }
  return text;
}

double positive_number(const std::string& text, const char* flag) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !(value > 0) || value > 1e9) {
    throw BadInput(std::string(flag) + ": expected a number of tokens per second above 0, not '" + text + "'");
  }
  return value;
}

struct Inputs {
  std::string db;
  ReportWindow window;
  VelocityOptions options;
  std::string format;
  PriceTable prices;
  TierTable tiers;
  std::optional<GpuFigures> gpu;
};

Inputs check_args(const AuditArgs& a, std::int64_t now_ms) {
  if (!a.extras.empty()) {
    throw BadInput("unexpected argument '" + a.extras.front() + "' (see spillway audit --help)");
  }
  Inputs in;
  const auto by = parse_group_by(a.by);
  if (!by) {
    throw BadInput("--by: expected agent, session, model, upstream or key, not '" + a.by + "'");
  }
  in.options.by = *by;
  in.options.reprice = a.reprice;
  std::size_t top = 0;
  const auto [ptr, ec] = std::from_chars(a.top.data(), a.top.data() + a.top.size(), top);
  if (ec != std::errc() || ptr != a.top.data() + a.top.size() || top < 1 || top > 10'000) {
    throw BadInput("--top: expected a whole number from 1 to 10000, not '" + a.top + "'");
  }
  in.options.top_sessions = top;
  in.format = a.format.empty() ? (a.html.empty() ? "text" : "") : a.format;
  if (!a.format.empty() && a.format != "text" && a.format != "json" && a.format != "csv") {
    throw BadInput("--format: expected text, json or csv, not '" + a.format + "'");
  }
  const auto time_flag = [&](const std::string& text, const char* flag) -> std::optional<std::int64_t> {
    if (text.empty()) {
      return std::nullopt;
    }
    try {
      return parse_time_spec(text, now_ms);
    } catch (const std::invalid_argument& e) {
      throw BadInput(std::string(flag) + ": " + e.what());
    }
  };
  in.window.since_ms = time_flag(a.since, "--since");
  in.window.until_ms = time_flag(a.until, "--until");
  if (in.window.since_ms && in.window.until_ms && *in.window.until_ms <= *in.window.since_ms) {
    throw BadInput("--until (" + format_rfc3339(*in.window.until_ms) + ") must be after --since (" +
                   format_rfc3339(*in.window.since_ms) + ")");
  }

  in.db = a.db;
  in.prices = PriceTable::builtin();
  in.tiers = TierTable::builtin();
  GpuFigures gpu;
  std::string gpu_basis;
  if (!a.config.empty()) {
    config::Config cfg;
    try {
      cfg = config::load_file(a.config, config::env_with_placeholders());
    } catch (const config::ConfigError& e) {
      throw BadInput(e.what());
    }
    if (!a.db_given) {
      if (cfg.audit.sqlite.empty()) {
        throw BadInput(a.config + " turns auditing off (audit: off): name the database with --db");
      }
      in.db = cfg.audit.sqlite;
    }
    if (!cfg.audit.prices_yaml.empty()) {
      in.prices.put_in_front(PriceTable::parse(cfg.audit.prices_yaml, cfg.audit.prices_file));
    }
    if (!cfg.audit.tiers_yaml.empty()) {
      in.tiers.override_with(TierTable::parse(cfg.audit.tiers_yaml, cfg.audit.tiers_file));
    }
    if (cfg.audit.gpu_input_tokens_per_s > 0 || cfg.audit.gpu_output_tokens_per_s > 0) {
      gpu.input_tokens_per_s = cfg.audit.gpu_input_tokens_per_s;
      gpu.output_tokens_per_s = cfg.audit.gpu_output_tokens_per_s;
      gpu_basis = "config " + a.config;
    }
  }
  if (!a.prices.empty()) {
    in.prices.put_in_front(PriceTable::parse(read_file_or_fail(a.prices, "--prices"), a.prices));
  }
  if (!a.tiers.empty()) {
    in.tiers.override_with(TierTable::parse(read_file_or_fail(a.tiers, "--tiers"), a.tiers));
  }
  if (!a.gpu_input_tps.empty()) {
    gpu.input_tokens_per_s = positive_number(a.gpu_input_tps, "--gpu-input-tps");
  }
  if (!a.gpu_output_tps.empty()) {
    gpu.output_tokens_per_s = positive_number(a.gpu_output_tps, "--gpu-output-tps");
  }
  if (!a.gpu_input_tps.empty() || !a.gpu_output_tps.empty()) {
    gpu_basis = gpu_basis.empty() ? "flags" : "flags and " + gpu_basis;
  }
  // Figures still unset come from the tiers file's local_gpu (an assumption, and said so).
  if (const auto& local = in.tiers.local_gpu()) {
    const bool filled = gpu.input_tokens_per_s == 0 || gpu.output_tokens_per_s == 0;
    if (gpu.input_tokens_per_s == 0) {
      gpu.input_tokens_per_s = local->input_tokens_per_s;
    }
    if (gpu.output_tokens_per_s == 0) {
      gpu.output_tokens_per_s = local->output_tokens_per_s;
    }
    if (filled) {
      const std::string assumed = "tiers file's assumption '" + local->name + "'";
      gpu_basis = gpu_basis.empty() ? assumed : gpu_basis + ", then the " + assumed;
    }
  }
  if (gpu.input_tokens_per_s > 0 && gpu.output_tokens_per_s > 0) {
    gpu.basis = gpu_basis;
    in.gpu = gpu;
  }
  return in;
}

// Written next to its final name and renamed, so a failure leaves no half page behind.
void write_html_file(const std::string& path, const Report& report) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw BadInput("--html: cannot write " + path);
    }
    write_html(report, file);
    file.close();
    if (!file) {
      std::remove(tmp.c_str());
      throw BadInput("--html: writing " + path + " failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw BadInput("--html: cannot write " + path + ": " + ec.message());
  }
}

}  // namespace

int run_audit(const AuditArgs& args, std::ostream& out, std::ostream& err, std::int64_t now_ms) {
  try {
    const Inputs in = check_args(args, now_ms);
    const auto db = open_database(in.db, OpenMode::read_only);
    const auto rows = read_records(db.get(), in.window.since_ms, in.window.until_ms);
    const auto report = build_report(rows, in.window, in.prices, in.tiers, in.options, in.gpu);
    // Rendered whole before anything is printed: an error never leaves half a report.
    std::ostringstream text;
    if (in.format == "json") {
      write_json(report, text);
    } else if (in.format == "csv") {
      write_csv(report, text);
    } else if (in.format == "text") {
      write_text(report, text);
    }
    if (!args.html.empty()) {
      write_html_file(args.html, report);
      if (in.format.empty()) {
        text << "wrote " << args.html << " (" << report.velocity.totals.requests << " requests)\n";
      }
    }
    out << text.str() << std::flush;
    return 0;
  } catch (const std::exception& e) {
    // BadInput, DatabaseError, and the tables' "FILE:LINE: ..." errors: all bad input.
    err << "spillway audit: " << e.what() << std::endl;
    return 2;
  }
}

}  // namespace spillway::audit
