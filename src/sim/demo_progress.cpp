#include "sim/demo_progress.hpp"

#include <algorithm>
#include <cmath>

namespace spillway::sim {

namespace {

constexpr double rate_window_s = 3.0;
constexpr double plain_every_s = 2.0;

std::string human(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

}  // namespace

ProgressSample take_sample(const LiveCounters& live, double t) {
  ProgressSample s;
  s.t = t;
  s.attempts = live.attempts;
  s.ok = live.ok;
  s.rate_limited = live.rate_limited;
  s.failures = live.failures;
  s.tasks_done = live.tasks_done;
  s.tasks_failed = live.tasks_failed;
  s.in_flight = live.in_flight;
  s.premium_tokens = live.premium_tokens;
  s.local_tokens = live.local_tokens;
  s.queue_waiting = live.queue_waiting;
  return s;
}

double tokens_per_minute(long tokens_before, long tokens_after, double seconds) {
  if (seconds < 0.1) {
    return 0;
  }
  return static_cast<double>(tokens_after - tokens_before) * 60.0 / seconds;
}

std::string format_progress_header() {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-9s %-22s %8s %7s %6s %6s %11s %11s %11s %6s", "run", "time", "requests", "ok",
                "429s", "failed", "tasks ok/x", "premium t/m", "local t/m", "queue");
  return buf;
}

std::string format_progress_row(const std::string& label, const ProgressSample& s, double duration_s,
                                double premium_tpm, double local_tpm) {
  constexpr int bar_width = 10;
  const double frac = duration_s > 0 ? std::clamp(s.t / duration_s, 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(std::lround(frac * bar_width));
  std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(bar_width - filled), '.') + "]";
  char time[48];
  std::snprintf(time, sizeof time, "%s %4.1f/%.0fs", bar.c_str(), s.t, duration_s);
  char tasks[32];
  std::snprintf(tasks, sizeof tasks, "%ld/%ld", s.tasks_done, s.tasks_failed);
  const std::string queue = s.queue_waiting < 0 ? "-" : std::to_string(s.queue_waiting);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-9s %-22s %8ld %7ld %6ld %6ld %11s %11s %11s %6s", label.c_str(), time, s.attempts,
                s.ok, s.rate_limited, s.failures, tasks, human(premium_tpm).c_str(), human(local_tpm).c_str(),
                queue.c_str());
  return buf;
}

void ProgressView::begin_run(const std::string& label, double duration_s) {
  label_ = label;
  duration_s_ = duration_s;
  last_plain_ = 0;
  window_.clear();
  std::fprintf(out_, "%s\n", format_progress_header().c_str());
  std::fflush(out_);
}

std::string ProgressView::row(const ProgressSample& s) {
  window_.push_back(s);
  while (window_.size() > 2 && s.t - window_[1].t >= rate_window_s) {
    window_.pop_front();
  }
  const ProgressSample& first = window_.front();
  const double dt = s.t - first.t;
  return format_progress_row(label_, s, duration_s_, tokens_per_minute(first.premium_tokens, s.premium_tokens, dt),
                             tokens_per_minute(first.local_tokens, s.local_tokens, dt));
}

void ProgressView::update(const LiveCounters& live, double t) {
  const std::string line = row(take_sample(live, t));
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
  } else if (t - last_plain_ >= plain_every_s) {
    last_plain_ = t;
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }
}

void ProgressView::end_run(const LiveCounters& live, double t) {
  const std::string line = row(take_sample(live, t));
  std::fprintf(out_, tty_ ? "\r\033[K%s\n" : "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace spillway::sim
