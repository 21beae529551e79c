#include "audit/time_spec.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace spillway::audit {

namespace {

using namespace std::chrono;

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  throw std::invalid_argument("bad time '" + std::string(text) + "': " + why +
                              " (expected e.g. 2026-03-01, 2026-03-01T14:05Z, an RFC 3339 time, or 90m, 2h, 7d ago)");
}

// Reads exactly `digits` digits at `pos`.
bool read_number(std::string_view s, std::size_t& pos, int digits, int& out) {
  if (pos + static_cast<std::size_t>(digits) > s.size()) {
    return false;
  }
  out = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') {
      return false;
    }
    out = out * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(digits);
  return true;
}

bool take(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::int64_t parse_relative(std::string_view text, std::int64_t now_ms) {
  std::int64_t amount = 0;
  const char* end = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(text.data(), end, amount);
  if (ec != std::errc() || ptr != end || amount < 0 || amount > 100'000'000) {
    bad(text, "a relative time is a whole number and a unit");
  }
  std::int64_t unit_ms = 0;
  switch (text.back()) {
    case 'm': unit_ms = 60'000; break;
    case 'h': unit_ms = 3'600'000; break;
    case 'd': unit_ms = 86'400'000; break;
    case 'w': unit_ms = 7 * 86'400'000LL; break;
    default: bad(text, "unknown unit");
  }
  return now_ms - amount * unit_ms;
}

}  // namespace

std::int64_t parse_time_spec(std::string_view text, std::int64_t now_ms) {
  if (text.empty()) {
    bad(text, "empty");
  }
  if (text == "now") {
    return now_ms;
  }
  if (text.size() >= 2 && text.find('-') == std::string_view::npos && text.find(':') == std::string_view::npos) {
    return parse_relative(text, now_ms);
  }
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_number(text, pos, 4, year) || !take(text, pos, '-') || !read_number(text, pos, 2, month) ||
      !take(text, pos, '-') || !read_number(text, pos, 2, day)) {
    bad(text, "the date must be YYYY-MM-DD");
  }
  const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    bad(text, "no such date");
  }
  std::int64_t millis = 0;
  std::int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (!take(text, pos, 'T') && !take(text, pos, 't') && !take(text, pos, ' ')) {
      bad(text, "a time follows the date after 'T'");
    }
    if (!read_number(text, pos, 2, hour) || !take(text, pos, ':') || !read_number(text, pos, 2, minute)) {
      bad(text, "the time must be HH:MM or HH:MM:SS");
    }
    if (take(text, pos, ':')) {
      if (!read_number(text, pos, 2, second)) {
        bad(text, "the seconds must be two digits");
      }
      if (take(text, pos, '.')) {
        std::int64_t scale = 100;
        const std::size_t first = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          millis += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == first) {
          bad(text, "a fraction of a second needs digits");
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) {
      bad(text, "no such time of day");
    }
    if (take(text, pos, 'Z') || take(text, pos, 'z')) {
      // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!read_number(text, pos, 2, oh) || !take(text, pos, ':') || !read_number(text, pos, 2, om) || oh > 23 ||
          om > 59) {
        bad(text, "the offset must be +HH:MM or -HH:MM");
      }
      offset_minutes = sign * (oh * 60 + om);
    }
    if (pos != text.size()) {
      bad(text, "unexpected '" + std::string(text.substr(pos)) + "'");
    }
  }
  const auto days = sys_days(date).time_since_epoch().count();
  const std::int64_t local_ms =
      ((static_cast<std::int64_t>(days) * 24 + hour) * 60 + minute) * 60'000LL + second * 1000LL + millis;
  return local_ms - offset_minutes * 60'000LL;
}

std::string format_rfc3339(std::int64_t unix_ms) {
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string format_utc_minute(std::int64_t unix_ms) {
  std::string s = format_rfc3339(unix_ms);  // YYYY-MM-DDTHH:MM:SSZ
  s[10] = ' ';
  if (s.substr(16, 3) == ":00") {
    s.erase(16, 3);
  }
  s.pop_back();
  return s + " UTC";
}

}  // namespace spillway::audit
