#include "dialect/request_parts.hpp"

#include <algorithm>

#include "dialect/json_fields.hpp"

namespace spillway::dialect::parts {

namespace json = boost::json;

ApiError bad(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message), ErrorSource::client);
}

std::optional<double> number_of(const json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_number()) {
    return v->to_number<double>();
  }
  return std::nullopt;
}

std::optional<std::int64_t> int_of(const json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key)) {
    return int64_of(*v);  // nullopt also for numbers out of int64's range
  }
  return std::nullopt;
}

// The list ends up in a response header and a log line, and unknown field names are the
// client's: keep names to header-safe characters and the list short.
constexpr std::size_t max_dropped_names = 32;
constexpr std::size_t max_dropped_name_length = 64;
constexpr std::string_view more_dropped = "(more)";

void note(Dropped& dropped, std::string name) {
  if (name.size() > max_dropped_name_length) {
    name.resize(max_dropped_name_length);
  }
  for (char& c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '.' || c == ' ' || c == '(' || c == ')';
    if (!safe) {
      c = '?';
    }
  }
  if (std::find(dropped.begin(), dropped.end(), name) != dropped.end()) {
    return;
  }
  if (dropped.size() < max_dropped_names) {
    dropped.push_back(std::move(name));
  } else if (dropped.back() != more_dropped) {
    dropped.emplace_back(more_dropped);
  }
}

// Whether a field the translation cannot carry asked for anything: null, false, "", [] and {}
// say no more than leaving the field out, and neither do OpenAI's documented defaults.
bool asks_for_something(std::string_view key, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v.get_bool();
    case json::kind::string: {
      std::string_view s = v.get_string();
      return !s.empty() && !(key == "service_tier" && (s == "auto" || s == "default"));
    }
    case json::kind::array: return !v.get_array().empty();
    case json::kind::object: return !v.get_object().empty();
    default:
      return !((key == "presence_penalty" || key == "frequency_penalty" || key == "top_logprobs") &&
               v.to_number<double>() == 0.0);
  }
}

// Notes each key of `o` outside `known` that asks for something, as prefix + key;
// cache_control is one name wherever it sits (Claude Code puts it on many things).
void note_unknown(const json::object& o, std::initializer_list<std::string_view> known, std::string_view prefix,
                  Dropped& dropped) {
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    if (std::find(known.begin(), known.end(), key) != known.end() || !asks_for_something(key, kv.value())) {
      continue;
    }
    note(dropped, key == "cache_control" ? std::string(key) : std::string(prefix) + std::string(key));
  }
}

core::Block text_block(std::string text) {
  core::Block b;
  b.type = core::BlockType::text;
  b.text = std::move(text);
  return b;
}

// OpenAI reasoning_effort -> an Anthropic thinking budget; each level maps back to itself.
std::optional<std::int64_t> budget_for_effort(std::string_view effort) {
  if (effort == "minimal") {
    return min_thinking_budget;
  }
  if (effort == "low") {
    return 2048;
  }
  if (effort == "medium") {
    return 8192;
  }
  if (effort == "high") {
    return 16384;
  }
  if (effort == "xhigh" || effort == "max") {
    return 32768;
  }
  return std::nullopt;
}

// The JSON Schema of a structured-output request, or an error when there is none.
std::variant<json::value, ApiError> output_schema_of(const json::object& holder, std::string_view what) {
  auto* schema = holder.if_contains("schema");
  if (!schema || !schema->is_object()) {
    return bad(std::string(what) + " needs a schema object");
  }
  return *schema;
}

std::optional<core::ToolChoiceType> tool_choice_type(std::string_view word) {
  if (word == "auto") {
    return core::ToolChoiceType::auto_;
  }
  if (word == "required") {
    return core::ToolChoiceType::any;
  }
  if (word == "none") {
    return core::ToolChoiceType::none;
  }
  return std::nullopt;
}

}  // namespace spillway::dialect::parts
