#pragma once
// Appending JSON text straight into an output string, for the stream translators' hot path:
// building a DOM and serialising it cost more than the rest of a translated event together.
// Output matches Boost.JSON's serializer (UTF-8 passed through; quote, backslash and control
// characters escaped).
#include <cstdint>
#include <string>
#include <string_view>

namespace spillway::dialect::json_write {

// "s" with quotes and escapes; invalid UTF-8 becomes U+FFFD (the output is always valid JSON).
void string(std::string& out, std::string_view s);

void integer(std::string& out, std::int64_t v);

// `"key":` — the key is a literal the caller knows needs no escaping.
inline void key(std::string& out, std::string_view k) {
  out += '"';
  out += k;
  out += "\":";
}

// "event: NAME\ndata: " ... "\n\n" around one line of JSON (JSON text never holds a raw line
// break, so one data: line always suffices).
inline void begin_event(std::string& out, std::string_view name) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
}
inline void end_event(std::string& out) { out += "\n\n"; }

}  // namespace spillway::dialect::json_write
