#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <string>
#include <vector>

#include "dialect/json_scan.hpp"
#include "dialect/request_info.hpp"

namespace spillway::dialect {

std::string rewrite_model(std::string_view body, std::string_view model) {
  const std::string replacement =
      boost::json::serialize(boost::json::string_view(model.data(), model.size()));

  // Spans of every top-level "model" value. parse_request refuses duplicates, but replacing
  // all of them keeps the gateway and the upstream from ever reading different names.
  std::vector<json_scan::Span> spans;
  json_scan::TopLevelScanner scanner(body);
  json_scan::Member member;
  std::string decoded;
  while (scanner.next(member)) {
    if (!json_scan::key_equals(member.raw_key, "model")) {
      continue;
    }
    std::string_view value = body.substr(member.value_begin, member.value_end - member.value_begin);
    if (value == replacement) {
      continue;
    }
    // Same name, spelled with escapes: leave the client's bytes alone.
    if (value.size() >= 2 && value.front() == '"' &&
        json_scan::decode_string(value.substr(1, value.size() - 2), decoded) && decoded == model) {
      continue;
    }
    spans.push_back({member.value_begin, member.value_end});
  }
  if (scanner.failed() || spans.empty()) {
    // Either nothing to change, or a body that breaks the precondition: pass it through
    // rather than splice into text we do not understand.
    return std::string(body);
  }

  return json_scan::replace_spans(body, spans, replacement);
}

}  // namespace spillway::dialect
