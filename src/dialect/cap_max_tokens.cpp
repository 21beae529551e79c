#include <charconv>
#include <string>
#include <vector>

#include "dialect/json_scan.hpp"
#include "dialect/request_info.hpp"

namespace spillway::dialect {

std::string cap_max_tokens(Dialect dialect, std::string_view body, std::int64_t ceiling) {
  const std::string replacement = std::to_string(ceiling);
  std::vector<json_scan::Span> spans;
  bool present = false;
  json_scan::TopLevelScanner scanner(body);
  json_scan::Member member;
  while (scanner.next(member)) {
    const bool limit =
        dialect == Dialect::responses
            ? json_scan::key_equals(member.raw_key, "max_output_tokens")
            : json_scan::key_equals(member.raw_key, "max_tokens") ||
                  (dialect == Dialect::openai && json_scan::key_equals(member.raw_key, "max_completion_tokens"));
    if (!limit) {
      continue;
    }
    present = true;
    const std::string_view value = body.substr(member.value_begin, member.value_end - member.value_begin);
    double asked = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), asked);
    if (ec == std::errc{} && end == value.data() + value.size() && asked <= static_cast<double>(ceiling)) {
      continue;  // within the ceiling
    }
    spans.push_back({member.value_begin, member.value_end});  // larger, or not a number: the ceiling
  }
  if (scanner.failed()) {
    return std::string(body);  // parse_request accepted it; never splice text not understood
  }
  std::string out;
  if (!present) {
    // Absent: the upstream's own default could be far above the ceiling; say it.
    const auto brace = body.find('{');
    out.reserve(body.size() + 40);
    out.append(body.substr(0, brace + 1));
    out.append(dialect == Dialect::anthropic ? "\"max_tokens\":"
               : dialect == Dialect::openai  ? "\"max_completion_tokens\":"
                                             : "\"max_output_tokens\":");
    out.append(replacement);
    const auto rest = body.substr(brace + 1);
    const bool empty_object = rest.find_first_not_of(" \t\r\n") != std::string_view::npos &&
                              rest[rest.find_first_not_of(" \t\r\n")] == '}';
    out.append(empty_object ? "" : ",");
    out.append(rest);
    return out;
  }
  if (spans.empty()) {
    return std::string(body);
  }
  return json_scan::replace_spans(body, spans, replacement);
}

}  // namespace spillway::dialect
