#pragma once
// A minimal scanner over JSON text that finds the byte spans of a top-level object's members
// without building a DOM. It trusts that the text has already been validated (parse_request
// does that with Boost.JSON) but stays memory-safe on any input: malformed text makes it stop
// and report failure, never read out of bounds.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::dialect::json_scan {

struct Member {
  std::string_view raw_key;  // the key's bytes between the quotes, escapes not decoded
  std::size_t value_begin = 0;
  std::size_t value_end = 0;  // one past the value's last byte
};

// Walks the members of the object that `text` holds, in order. Usage:
//   TopLevelScanner s(body); Member m; while (s.next(m)) {...} if (s.failed()) {...}
class TopLevelScanner {
 public:
  explicit TopLevelScanner(std::string_view text) : text_(text) {}
  bool next(Member& member);
  bool failed() const { return failed_; }

 private:
  bool fail();
  std::string_view text_;
  std::size_t pos_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

// Position one past the value starting at `pos` (after any leading whitespace is skipped by the
// caller), or npos when no value starts there or the text ends first.
std::size_t skip_value(std::string_view text, std::size_t pos);

// `pos` is at an opening quote; returns one past the closing quote, or npos.
std::size_t skip_string(std::string_view text, std::size_t pos);

// Decodes the escapes of a JSON string's raw contents (without quotes). Returns false when an
// escape is malformed; `out` then holds a prefix.
bool decode_string(std::string_view raw, std::string& out);

// Whether a raw (undecoded) key means `name`. Cheap when the key holds no escapes.
bool key_equals(std::string_view raw_key, std::string_view name);

// A member value's bytes, to be replaced.
struct Span {
  std::size_t begin;
  std::size_t end;
};

// `text` with each span (in order, not overlapping) replaced by `replacement`.
std::string replace_spans(std::string_view text, const std::vector<Span>& spans, std::string_view replacement);

}  // namespace spillway::dialect::json_scan
