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
  struct Span {
    std::size_t begin;
    std::size_t end;
  };
  std::vector<Span> spans;
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

  std::string out;
  std::size_t removed = 0;
  for (const Span& s : spans) {
    removed += s.end - s.begin;
  }
  out.reserve(body.size() - removed + spans.size() * replacement.size());
  std::size_t pos = 0;
  for (const Span& s : spans) {
    out.append(body.substr(pos, s.begin - pos));
    out.append(replacement);
    pos = s.end;
  }
  out.append(body.substr(pos));
  return out;
}

}  // namespace spillway::dialect
