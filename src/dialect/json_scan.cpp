#include "dialect/json_scan.hpp"

#include <cstring>

namespace spillway::dialect::json_scan {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_ws(text[pos])) {
    ++pos;
  }
  return pos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool read_hex4(std::string_view raw, std::size_t pos, unsigned& out) {
  if (pos + 4 > raw.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    int v = hex_value(raw[pos + i]);
    if (v < 0) {
      return false;
    }
    out = out * 16 + static_cast<unsigned>(v);
  }
  return true;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::size_t skip_string(std::string_view text, std::size_t pos) {
  // Most of a large request body is string content, so find quotes with memchr and only then
  // look back for the backslashes that would escape them.
  ++pos;
  const char* base = text.data();
  while (pos < text.size()) {
    const void* hit = std::memchr(base + pos, '"', text.size() - pos);
    if (hit == nullptr) {
      return npos;
    }
    std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
    std::size_t backslashes = 0;
    while (quote - backslashes > pos && base[quote - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      return quote + 1;
    }
    pos = quote + 1;
  }
  return npos;
}

std::size_t skip_value(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) {
    return npos;
  }
  char c = text[pos];
  if (c == '"') {
    return skip_string(text, pos);
  }
  if (c != '{' && c != '[') {
    // A literal or number: it ends at the first delimiter.
    const std::size_t start = pos;
    while (pos < text.size()) {
      char d = text[pos];
      if (d == ',' || d == '}' || d == ']' || d == ':' || is_ws(d)) {
        break;
      }
      ++pos;
    }
    return pos == start ? npos : pos;
  }
  // Brackets of either kind balance in valid JSON, so one counter is enough.
  std::size_t depth = 0;
  while (pos < text.size()) {
    char d = text[pos];
    if (d == '"') {
      pos = skip_string(text, pos);
      if (pos == npos) {
        return npos;
      }
      continue;
    }
    if (d == '{' || d == '[') {
      ++depth;
    } else if (d == '}' || d == ']') {
      if (depth == 0) {
        return npos;
      }
      if (--depth == 0) {
        return pos + 1;
      }
    }
    ++pos;
  }
  return npos;
}

bool decode_string(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= raw.size()) {
      return false;
    }
    char e = raw[i + 1];
    i += 2;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = 0;
        if (!read_hex4(raw, i, cp)) {
          return false;
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          unsigned low = 0;
          if (i + 1 < raw.size() && raw[i] == '\\' && raw[i + 1] == 'u' &&
              read_hex4(raw, i + 2, low) && low >= 0xDC00 && low < 0xE000) {
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else {
            return false;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        append_utf8(out, cp);
        break;
      }
      default: return false;
    }
  }
  return true;
}

bool key_equals(std::string_view raw_key, std::string_view name) {
  if (raw_key.find('\\') == std::string_view::npos) {
    return raw_key == name;
  }
  std::string decoded;
  return decode_string(raw_key, decoded) && decoded == name;
}

bool TopLevelScanner::fail() {
  failed_ = true;
  finished_ = true;
  return false;
}

bool TopLevelScanner::next(Member& member) {
  if (finished_) {
    return false;
  }
  if (!started_) {
    started_ = true;
    pos_ = skip_ws(text_, 0);
    if (pos_ >= text_.size() || text_[pos_] != '{') {
      return fail();
    }
    pos_ = skip_ws(text_, pos_ + 1);
    if (pos_ < text_.size() && text_[pos_] == '}') {
      finished_ = true;
      return false;
    }
  } else {
    // After a member: a comma leads to the next one, a brace ends the object.
    pos_ = skip_ws(text_, pos_);
    if (pos_ >= text_.size()) {
      return fail();
    }
    if (text_[pos_] == '}') {
      finished_ = true;
      return false;
    }
    if (text_[pos_] != ',') {
      return fail();
    }
    pos_ = skip_ws(text_, pos_ + 1);
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return fail();
  }
  std::size_t key_end = skip_string(text_, pos_);
  if (key_end == npos) {
    return fail();
  }
  member.raw_key = text_.substr(pos_ + 1, key_end - pos_ - 2);
  pos_ = skip_ws(text_, key_end);
  if (pos_ >= text_.size() || text_[pos_] != ':') {
    return fail();
  }
  pos_ = skip_ws(text_, pos_ + 1);
  std::size_t value_end = skip_value(text_, pos_);
  if (value_end == npos) {
    return fail();
  }
  member.value_begin = pos_;
  member.value_end = value_end;
  pos_ = value_end;
  return true;
}

std::string replace_spans(std::string_view text, const std::vector<Span>& spans, std::string_view replacement) {
  std::size_t removed = 0;
  for (const Span& s : spans) {
    removed += s.end - s.begin;
  }
  std::string out;
  out.reserve(text.size() - removed + spans.size() * replacement.size());
  std::size_t pos = 0;
  for (const Span& s : spans) {
    out.append(text.substr(pos, s.begin - pos));
    out.append(replacement);
    pos = s.end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace spillway::dialect::json_scan
