#include "sim/rate_limits.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "sim/json_text.hpp"

namespace spillway::sim {

void RateLimits::Bucket::refill(double elapsed_s) {
  if (limit > 0) {
    level = std::min(static_cast<double>(limit), level + elapsed_s * rate_per_s());
  }
}

double RateLimits::Bucket::seconds_until(double amount) const {
  if (level >= amount) {
    return 0;
  }
  return (amount - level) / rate_per_s();
}

double RateLimits::Bucket::seconds_to_full() const {
  return seconds_until(static_cast<double>(limit));
}

RateLimits::RateLimits(long rpm, long itpm, long otpm, clock::time_point now, double time_scale)
    : last_(now), time_scale_(time_scale > 0 ? time_scale : 1) {
  requests_.limit = std::max(0L, rpm);
  input_.limit = std::max(0L, itpm);
  output_.limit = std::max(0L, otpm);
  for (Bucket* b : {&requests_, &input_, &output_}) {
    b->level = static_cast<double>(b->limit);
    b->time_scale = time_scale_;
  }
}

void RateLimits::refill_locked(clock::time_point now) {
  if (now <= last_) {
    return;
  }
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  requests_.refill(elapsed);
  input_.refill(elapsed);
  output_.refill(elapsed);
}

RateLimits::Decision RateLimits::admit(std::int64_t input_tokens, clock::time_point now) {
  Decision d;
  if (!any()) {
    return d;
  }
  std::lock_guard lock(mutex_);
  refill_locked(now);
  double wait_s = 0;
  auto check = [&](const Bucket& b, double need, std::string_view name) {
    if (b.limit <= 0) {
      return;
    }
    double wait = 0;
    if (need > static_cast<double>(b.limit)) {
      // Retrying cannot help; still answer like a rate limit so clients back off.
      wait = 60 / time_scale_;
      if (d.admitted) {
        d.never_fits = true;
      }
    } else {
      wait = b.seconds_until(need);
    }
    if (wait > 0) {
      if (d.admitted) {
        d.admitted = false;
        d.limit_name = name;
        d.limit = b.limit;
      }
      wait_s = std::max(wait_s, wait);
    }
  };
  check(requests_, 1, "requests");
  check(input_, static_cast<double>(input_tokens), "input tokens");
  check(output_, 1, "output tokens");
  if (!d.admitted) {
    d.retry_after_s = std::max(1, static_cast<int>(std::ceil(wait_s)));
    return d;
  }
  if (requests_.limit > 0) {
    requests_.level -= 1;
  }
  if (input_.limit > 0) {
    input_.level -= static_cast<double>(input_tokens);
  }
  return d;
}

RateLimits::Levels RateLimits::levels(clock::time_point now) {
  std::lock_guard lock(mutex_);
  refill_locked(now);
  return Levels{requests_.level, input_.level, output_.level};
}

void RateLimits::spend_output(std::int64_t tokens, clock::time_point now) {
  if (output_.limit <= 0 || tokens <= 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  refill_locked(now);
  output_.level -= static_cast<double>(tokens);
}

namespace {

void header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void header(std::string& out, std::string_view name, std::int64_t value) {
  out.append(name);
  out.append(": ");
  append_int(out, value);
  out.append("\r\n");
}

std::int64_t remaining_of(double level) {
  return level <= 0 ? 0 : static_cast<std::int64_t>(std::floor(level));
}

}  // namespace

void RateLimits::append_headers(std::string& out, Dialect dialect, clock::time_point now,
                                std::chrono::system_clock::time_point wall_now) {
  if (!any()) {
    return;
  }
  std::lock_guard lock(mutex_);
  refill_locked(now);
  // The providers' "tokens" figures combine input and output when both are limited.
  const bool tokens_limited = input_.limit > 0 || output_.limit > 0;
  const std::int64_t tokens_limit = input_.limit + output_.limit;
  const std::int64_t tokens_remaining =
      (input_.limit > 0 ? remaining_of(input_.level) : 0) +
      (output_.limit > 0 ? remaining_of(output_.level) : 0);
  const double tokens_reset = std::max(input_.limit > 0 ? input_.seconds_to_full() : 0.0,
                                       output_.limit > 0 ? output_.seconds_to_full() : 0.0);
  if (dialect == Dialect::anthropic) {
    auto emit = [&](std::string_view dim, std::int64_t limit, std::int64_t remaining,
                    double reset_s) {
      std::string name = "anthropic-ratelimit-";
      name.append(dim);
      const auto base = name.size();
      name.append("-limit");
      header(out, name, limit);
      name.resize(base);
      name.append("-remaining");
      header(out, name, remaining);
      name.resize(base);
      name.append("-reset");
      header(out, name, rfc3339_after(wall_now, reset_s));
    };
    if (requests_.limit > 0) {
      emit("requests", requests_.limit, remaining_of(requests_.level),
           requests_.seconds_to_full());
    }
    if (input_.limit > 0) {
      emit("input-tokens", input_.limit, remaining_of(input_.level), input_.seconds_to_full());
    }
    if (output_.limit > 0) {
      emit("output-tokens", output_.limit, remaining_of(output_.level),
           output_.seconds_to_full());
    }
    if (tokens_limited) {
      emit("tokens", tokens_limit, tokens_remaining, tokens_reset);
    }
    return;
  }
  if (requests_.limit > 0) {
    header(out, "x-ratelimit-limit-requests", requests_.limit);
    header(out, "x-ratelimit-remaining-requests", remaining_of(requests_.level));
    header(out, "x-ratelimit-reset-requests", go_duration(requests_.seconds_to_full()));
  }
  if (tokens_limited) {
    header(out, "x-ratelimit-limit-tokens", tokens_limit);
    header(out, "x-ratelimit-remaining-tokens", tokens_remaining);
    header(out, "x-ratelimit-reset-tokens", go_duration(tokens_reset));
  }
}

std::string go_duration(double seconds) {
  if (!(seconds > 0)) {
    return "0s";
  }
  auto ms = static_cast<std::int64_t>(std::ceil(seconds * 1000.0 - 1e-9));
  std::string out;
  if (ms < 1000) {
    append_int(out, ms);
    out.append("ms");
    return out;
  }
  const std::int64_t h = ms / 3'600'000;
  ms %= 3'600'000;
  const std::int64_t m = ms / 60'000;
  ms %= 60'000;
  if (h > 0) {
    append_int(out, h);
    out.push_back('h');
  }
  if (h > 0 || m > 0) {
    append_int(out, m);
    out.push_back('m');
  }
  append_int(out, ms / 1000);
  if (auto frac = ms % 1000; frac != 0) {
    char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                      static_cast<char>('0' + frac % 10), 0};
    std::string_view f(digits, 3);
    while (!f.empty() && f.back() == '0') {
      f.remove_suffix(1);
    }
    out.push_back('.');
    out.append(f);
  }
  out.push_back('s');
  return out;
}

std::string rfc3339_after(std::chrono::system_clock::time_point wall_now, double seconds) {
  const auto at = wall_now + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                 std::chrono::duration<double>(std::max(0.0, seconds)));
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(at);
  if (secs < at) {
    secs += std::chrono::seconds(1);
  }
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace spillway::sim
