#include "dialect/json_write.hpp"

#include <charconv>

namespace spillway::dialect::json_write {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 when it is not
// one: a stray continuation byte, a truncated sequence, an overlong form, a surrogate or a code
// point past U+10FFFF (RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
      return 0;
    }
  }
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  const bool bad = (len == 2 && c < 0xc2) || (len == 3 && c == 0xe0 && c1 < 0xa0) ||
                   (len == 3 && c == 0xed && c1 >= 0xa0) || (len == 4 && c == 0xf0 && c1 < 0x90) ||
                   (len == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90)));
  return bad ? 0 : len;
}

}  // namespace

void string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the current run of bytes that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      continue;
    }
    if (c >= 0x80) {
      // The readers that feed this do not check UTF-8 (checking every byte of every event cost
      // more than this check of what is written): a valid sequence passes, anything else
      // becomes U+FFFD, so the output is always valid JSON.
      if (const std::size_t len = utf8_sequence(s, i); len != 0) {
        i += len - 1;
        continue;
      }
      out.append(s.data() + run, i - run);
      run = i + 1;
      out += "\xEF\xBF\xBD";
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(u, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void integer(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace spillway::dialect::json_write
