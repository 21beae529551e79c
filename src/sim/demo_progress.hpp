#pragma once
// The demo's live view: one table row per run, redrawn in place about four times a second on a
// terminal (ANSI), or a plain line every two seconds when stdout is not one (logs, tests).
// Formatting is pure (format_progress_row) so tests can check it.
#include <cstdio>
#include <deque>
#include <string>

#include "sim/demo_agents.hpp"

namespace spillway::sim {

struct ProgressSample {
  double t = 0;  // seconds since the run began
  long attempts = 0;
  long ok = 0;
  long rate_limited = 0;
  long failures = 0;
  long tasks_done = 0;
  long tasks_failed = 0;
  long in_flight = 0;
  long premium_tokens = 0;
  long local_tokens = 0;
  long queue_waiting = -1;  // -1: not through the gateway
};

ProgressSample take_sample(const LiveCounters& live, double t);

// Tokens per minute between two samples (0 when they are less than 0.1 s apart).
double tokens_per_minute(long tokens_before, long tokens_after, double seconds);

// The column headings, and one row: the run's label, a bar of its time, then the counters and
// the premium and local tokens/min over the last few seconds.
std::string format_progress_header();
std::string format_progress_row(const std::string& label, const ProgressSample& s, double duration_s,
                                double premium_tpm, double local_tpm);

class ProgressView {
 public:
  ProgressView(std::FILE* out, bool tty) : out_(out), tty_(tty) {}
  void begin_run(const std::string& label, double duration_s);
  void update(const LiveCounters& live, double t);  // call about every 250 ms
  void end_run(const LiveCounters& live, double t);

 private:
  std::string row(const ProgressSample& s);
  std::FILE* out_;
  bool tty_;
  std::string label_;
  double duration_s_ = 0;
  double last_plain_ = 0;
  std::deque<ProgressSample> window_;  // the last few seconds, for the rates
};

}  // namespace spillway::sim
