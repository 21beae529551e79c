// The rate-limit header value formats: Go durations (OpenAI resets) and RFC 3339 timestamps
// (Anthropic resets). Both strict: a value we cannot read is ignored by the caller rather than
// guessed at.
#include <chrono>
#include <cstdint>
#include <limits>

#include "ratelimit/limiter.hpp"

namespace spillway::ratelimit {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_fixed(std::string_view text, std::size_t& pos, int n, int& out) {
  if (pos + n > text.size()) {
    return false;
  }
  int value = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!is_digit(c)) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += n;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char a, char b = '\0') {
  if (pos < text.size() && (text[pos] == a || (b != '\0' && text[pos] == b))) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
  // Go's time.ParseDuration grammar without the sign: ([0-9]*(\.[0-9]*)?unit)+ or "0". Summed
  // in integer nanoseconds (as Go does) so "0.1s" is exactly 100 ms.
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (text == "0") {
    return std::chrono::milliseconds{0};
  }
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t total_ns = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t whole = 0;
    bool any_digits = false;
    while (pos < text.size() && is_digit(text[pos])) {
      int digit = text[pos] - '0';
      if (whole > (kMax - digit) / 10) {
        return std::nullopt;
      }
      whole = whole * 10 + digit;
      any_digits = true;
      ++pos;
    }
    std::int64_t frac = 0;
    std::int64_t frac_scale = 1;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) {
        if (frac_scale < 1'000'000'000'000'000'000LL / 10) {  // digits past 1e-18 cannot matter
          frac = frac * 10 + (text[pos] - '0');
          frac_scale *= 10;
        }
        any_digits = true;
        ++pos;
      }
    }
    if (!any_digits) {
      return std::nullopt;
    }
    std::size_t unit_start = pos;
    while (pos < text.size() && !is_digit(text[pos]) && text[pos] != '.') {
      ++pos;
    }
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    std::int64_t unit_ns = 0;
    if (unit == "ns") {
      unit_ns = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {  // µs (micro, mu)
      unit_ns = 1'000;
    } else if (unit == "ms") {
      unit_ns = 1'000'000;
    } else if (unit == "s") {
      unit_ns = 1'000'000'000;
    } else if (unit == "m") {
      unit_ns = 60'000'000'000;
    } else if (unit == "h") {
      unit_ns = 3'600'000'000'000;
    } else {
      return std::nullopt;  // missing or unknown unit
    }
    if (whole > kMax / unit_ns) {
      return std::nullopt;
    }
    std::int64_t part = whole * unit_ns;
    // frac / frac_scale of a unit; frac < frac_scale <= 1e17 and unit_ns <= 3.6e12 could
    // overflow int64, so scale in long double (exact enough: this is sub-unit rounding).
    part += static_cast<std::int64_t>(static_cast<long double>(frac) * unit_ns / frac_scale);
    if (part < 0 || total_ns > kMax - part) {
      return std::nullopt;
    }
    total_ns += part;
  }
  // Round up: a reset reported as 1.5 ms must not be waited out as 1 ms.
  return std::chrono::milliseconds{total_ns / 1'000'000 + (total_ns % 1'000'000 != 0 ? 1 : 0)};
}

std::optional<double> parse_rfc3339(std::string_view text) {
  // full-date "T" full-time, RFC 3339 section 5.6: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_fixed(text, pos, 4, year) || !expect(text, pos, '-') ||
      !read_fixed(text, pos, 2, month) || !expect(text, pos, '-') ||
      !read_fixed(text, pos, 2, day) || !expect(text, pos, 'T', 't') ||
      !read_fixed(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_fixed(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_fixed(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 60) {  // 60: a leap second
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    double scale = 0.1;
    std::size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
  }
  int offset_minutes = 0;
  if (expect(text, pos, 'Z', 'z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int off_h = 0, off_m = 0;
    if (!read_fixed(text, pos, 2, off_h) || !expect(text, pos, ':') ||
        !read_fixed(text, pos, 2, off_m) || off_h > 23 || off_m > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (off_h * 60 + off_m);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  std::int64_t seconds = days * 86'400 + hour * 3'600 + minute * 60 + second -
                         static_cast<std::int64_t>(offset_minutes) * 60;
  return static_cast<double>(seconds) + fraction;
}

}  // namespace spillway::ratelimit
