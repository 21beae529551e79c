// json_scan: memory-safe on any text, and on text boost::json accepts as an object the
// top-level scan succeeds. Input: the text.
#include "dialect/json_scan.hpp"
#include "fuzz_support.hpp"

using namespace spillway::dialect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json_scan::TopLevelScanner scanner(text);
  json_scan::Member member;
  std::string decoded;
  std::size_t members = 0;
  while (scanner.next(member)) {
    spillway::fuzz::require(member.value_begin < member.value_end && member.value_end <= text.size(),
                            "a member's value span lies in the text", text);
    json_scan::decode_string(member.raw_key, decoded);
    json_scan::key_equals(member.raw_key, "model");
    ++members;
  }
  boost::json::value v;
  if (spillway::fuzz::parses_as_json(text, &v, 128) && v.is_object()) {  // parse_request's depth limit
    spillway::fuzz::require(!scanner.failed(), "a valid JSON object scans", text);
  }
  // skip_value / skip_string from every position: never past the end.
  for (std::size_t pos = 0; pos < text.size() && pos < 64; ++pos) {
    const std::size_t end = json_scan::skip_value(text, pos);
    spillway::fuzz::require(end == std::string_view::npos || (end > pos && end <= text.size()), "skip_value stays in the text", text);
    if (text[pos] == '"') {
      const std::size_t s = json_scan::skip_string(text, pos);
      spillway::fuzz::require(s == std::string_view::npos || (s > pos && s <= text.size()), "skip_string stays in the text", text);
    }
  }
  (void)members;
  return 0;
}
