#include "dialect/request_info.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse_options.hpp>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "dialect/json_scan.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;

constexpr std::size_t max_nesting = 128;

enum class Kind { absent, null, boolean, integer, uinteger, floating, string, object, array };

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::absent: return "absent";
    case Kind::null: return "null";
    case Kind::boolean: return "a boolean";
    case Kind::integer:
    case Kind::uinteger:
    case Kind::floating: return "a number";
    case Kind::string: return "a string";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
  }
  return "unknown";
}

// The top-level members the gateway reads; everything else is skipped by the handler.
enum class Field {
  other,
  model,
  stream,
  max_tokens,
  max_completion_tokens,
  tools,
  thinking,
  reasoning_effort,
  max_output_tokens,  // Responses
  reasoning,          // Responses: {effort, summary}
};

Field field_from_key(std::string_view key) {
  if (key == "model") { return Field::model; }
  if (key == "stream") { return Field::stream; }
  if (key == "max_tokens") { return Field::max_tokens; }
  if (key == "max_completion_tokens") { return Field::max_completion_tokens; }
  if (key == "tools") { return Field::tools; }
  if (key == "thinking") { return Field::thinking; }
  if (key == "reasoning_effort") { return Field::reasoning_effort; }
  if (key == "max_output_tokens") { return Field::max_output_tokens; }
  if (key == "reasoning") { return Field::reasoning; }
  return Field::other;
}

struct Scalar {
  Kind kind = Kind::absent;
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0;
  std::string text;  // only kept for the few string fields we read
};

// SAX handler for Boost.JSON's basic_parser: validates the whole body in one pass (the parser
// does that) while picking out the handful of top-level fields routing needs, without ever
// building a DOM of a possibly megabyte-sized conversation.
class RequestHandler {
 public:
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  Kind root = Kind::absent;
  int model_count = 0;
  Scalar model;
  Scalar stream;
  Scalar max_tokens;
  Scalar max_completion_tokens;
  Scalar reasoning_effort;
  Scalar max_output_tokens;
  Kind reasoning_kind = Kind::absent;
  Kind tools_kind = Kind::absent;
  bool tools_non_empty = false;
  Kind thinking_kind = Kind::absent;
  Scalar thinking_type;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    value_seen(Kind::object);
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(json::error_code&) {
    value_seen(Kind::array);
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    if (depth_ == 2 && field_ == Field::tools && n > 0) {
      tools_non_empty = true;
    }
    --depth_;
    return true;
  }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (wants_key()) {
      append_key(s);
    }
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (wants_key()) {
      append_key(s);
      std::string_view key = key_overflow_ ? std::string_view() : std::string_view(key_, key_len_);
      if (depth_ == 1) {
        field_ = field_from_key(key);
        if (field_ == Field::model) {
          ++model_count;
          model.text.clear();
        } else if (field_ == Field::reasoning_effort) {
          reasoning_effort.text.clear();  // a later duplicate replaces an earlier one
        }
      } else {
        in_thinking_type_ = key == "type";
        if (in_thinking_type_) {
          thinking_type.text.clear();
        }
      }
    }
    key_len_ = 0;
    key_overflow_ = false;
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (Scalar* target = string_target()) {
      target->text.append(s.data(), s.size());
    }
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (Scalar* target = string_target()) {
      target->text.append(s.data(), s.size());
    }
    scalar_seen(Kind::string);
    return true;
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    if (Scalar* s = scalar_seen(Kind::integer)) {
      s->integer = i;
    }
    return true;
  }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) {
    // Only values above INT64_MAX arrive here: far beyond any real token limit.
    scalar_seen(Kind::uinteger);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    if (Scalar* s = scalar_seen(Kind::floating)) {
      s->floating = d;
    }
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    if (Scalar* s = scalar_seen(Kind::boolean)) {
      s->boolean = b;
    }
    return true;
  }
  bool on_null(json::error_code&) {
    scalar_seen(Kind::null);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  // Keys matter at the top level, and inside a top-level "thinking" object.
  bool wants_key() const {
    return depth_ == 1 || (depth_ == 2 && field_ == Field::thinking && thinking_kind == Kind::object);
  }

  void append_key(json::string_view s) {
    if (key_overflow_ || key_len_ + s.size() > sizeof(key_)) {
      key_overflow_ = true;  // longer than any key we look for
      return;
    }
    std::memcpy(key_ + key_len_, s.data(), s.size());
    key_len_ += s.size();
  }

  // Where a string value now being parsed should be collected, if anywhere.
  Scalar* string_target() {
    if (depth_ == 1) {
      if (field_ == Field::model) {
        return &model;
      }
      if (field_ == Field::reasoning_effort) {
        return &reasoning_effort;
      }
    } else if (depth_ == 2 && in_thinking_type_ && field_ == Field::thinking &&
               thinking_kind == Kind::object) {
      return &thinking_type;
    }
    return nullptr;
  }

  Scalar* scalar_seen(Kind kind) { return value_seen(kind); }

  // Records the kind of a value that starts at the current depth; returns the slot of a
  // top-level field that keeps scalar details.
  Scalar* value_seen(Kind kind) {
    if (depth_ == 0) {
      root = kind;
      return nullptr;
    }
    if (depth_ == 2 && in_thinking_type_ && field_ == Field::thinking) {
      thinking_type.kind = kind;
      in_thinking_type_ = false;
      return &thinking_type;
    }
    if (depth_ != 1) {
      return nullptr;
    }
    Scalar* target = nullptr;
    switch (field_) {
      case Field::model: target = &model; break;
      case Field::stream: target = &stream; break;
      case Field::max_tokens: target = &max_tokens; break;
      case Field::max_completion_tokens: target = &max_completion_tokens; break;
      case Field::reasoning_effort: target = &reasoning_effort; break;
      case Field::max_output_tokens: target = &max_output_tokens; break;
      case Field::reasoning: reasoning_kind = kind; break;
      case Field::tools:
        tools_kind = kind;
        tools_non_empty = false;  // a later duplicate replaces an earlier one
        break;
      case Field::thinking:
        thinking_kind = kind;
        thinking_type = Scalar{};
        break;
      case Field::other: break;
    }
    if (target != nullptr) {
      target->kind = kind;
      if (kind != Kind::string) {
        target->text.clear();
      }
    }
    return target;
  }

  std::size_t depth_ = 0;
  Field field_ = Field::other;
  bool in_thinking_type_ = false;
  char key_[32];
  std::size_t key_len_ = 0;
  bool key_overflow_ = false;
};

ApiError invalid(std::string message) {
  return make_error(ErrorKind::invalid_request, std::move(message), ErrorSource::client);
}

std::string syntax_message(const json::error_code& ec, std::size_t offset) {
  if (ec == json::error::too_deep) {
    return "request body is nested deeper than " + std::to_string(max_nesting) +
           " levels (at byte " + std::to_string(offset) + ")";
  }
  std::string what = ec.message();
  if (ec == json::error::incomplete) {
    what = "unexpected end of input";
  }
  return "request body is not valid JSON: " + what + " at byte " + std::to_string(offset);
}

// A token limit must be a non-negative whole number; an integral float (1024.0) is accepted
// because some JSON encoders write numbers that way.
std::optional<std::string> read_token_limit(const Scalar& s, std::string_view name,
                                            std::int64_t& out) {
  switch (s.kind) {
    case Kind::absent:
    case Kind::null: return std::nullopt;
    case Kind::integer:
      if (s.integer >= 0) {
        out = s.integer;
        return std::nullopt;
      }
      break;
    case Kind::floating:
      if (s.floating >= 0 && s.floating <= 9.0e18 && std::floor(s.floating) == s.floating) {
        out = static_cast<std::int64_t>(s.floating);
        return std::nullopt;
      }
      break;
    case Kind::uinteger:
      return "field '" + std::string(name) + "' is too large";
    default: break;
  }
  if (s.kind == Kind::integer || s.kind == Kind::floating) {
    return "field '" + std::string(name) + "' must be a non-negative integer";
  }
  return "field '" + std::string(name) + "' must be a non-negative integer, got " +
         std::string(kind_name(s.kind));
}

}  // namespace

std::variant<RequestInfo, ApiError> parse_request(Dialect dialect, std::string_view body) {
  if (body.empty()) {
    return invalid("request body is empty");
  }
  json::parse_options options;
  options.max_depth = max_nesting;
  json::basic_parser<RequestHandler> parser(options);
  json::error_code ec;
  std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (ec) {
    return invalid(syntax_message(ec, consumed));
  }
  if (consumed != body.size()) {
    return invalid("request body is not valid JSON: unexpected data after the JSON value at byte " +
                   std::to_string(consumed));
  }
  const RequestHandler& h = parser.handler();
  if (h.root != Kind::object) {
    return invalid("request body must be a JSON object, got " + std::string(kind_name(h.root)));
  }
  if (h.model_count == 0) {
    return invalid("missing required field 'model'");
  }
  if (h.model_count > 1) {
    // Routing and the upstream could otherwise disagree about which one counts.
    return invalid("field 'model' appears more than once");
  }
  if (h.model.kind != Kind::string) {
    return invalid("field 'model' must be a string, got " + std::string(kind_name(h.model.kind)));
  }
  if (h.model.text.empty()) {
    return invalid("field 'model' must not be empty");
  }

  RequestInfo info;
  info.model = h.model.text;

  // OpenAI documents stream as nullable; null means the default (not streaming).
  if (h.stream.kind == Kind::boolean) {
    info.stream = h.stream.boolean;
  } else if (h.stream.kind != Kind::absent && h.stream.kind != Kind::null) {
    return invalid("field 'stream' must be a boolean, got " + std::string(kind_name(h.stream.kind)));
  }

  if (dialect == Dialect::anthropic) {
    if (auto err = read_token_limit(h.max_tokens, "max_tokens", info.max_tokens)) {
      return invalid(std::move(*err));
    }
    // {"type":"enabled"} and {"type":"adaptive"} (and any newer mode) ask for thinking;
    // only "disabled" does not.
    info.wants_thinking = h.thinking_kind == Kind::object &&
                          h.thinking_type.kind == Kind::string &&
                          h.thinking_type.text != "disabled";
  } else if (dialect == Dialect::responses) {
    if (auto err = read_token_limit(h.max_output_tokens, "max_output_tokens", info.max_tokens)) {
      return invalid(std::move(*err));
    }
    info.wants_thinking = h.reasoning_kind == Kind::object;
  } else {
    // max_completion_tokens supersedes the deprecated max_tokens when both are sent.
    std::int64_t legacy = 0;
    if (auto err = read_token_limit(h.max_tokens, "max_tokens", legacy)) {
      return invalid(std::move(*err));
    }
    std::int64_t current = 0;
    if (auto err = read_token_limit(h.max_completion_tokens, "max_completion_tokens", current)) {
      return invalid(std::move(*err));
    }
    bool has_current =
        h.max_completion_tokens.kind != Kind::absent && h.max_completion_tokens.kind != Kind::null;
    info.max_tokens = has_current ? current : legacy;
    // "none" is an explicit request for no reasoning on models that support turning it off.
    info.wants_thinking = h.reasoning_effort.kind != Kind::absent &&
                          h.reasoning_effort.kind != Kind::null &&
                          !(h.reasoning_effort.kind == Kind::string &&
                            h.reasoning_effort.text == "none");
  }
  info.has_tools = h.tools_kind == Kind::array && h.tools_non_empty;

  // The estimate counts the raw JSON bytes of what the model reads as input. The body is
  // already validated, so the scanner cannot fail here; if it did, the estimate stays partial.
  std::size_t input_bytes = 0;
  json_scan::TopLevelScanner scanner(body);
  json_scan::Member member;
  while (scanner.next(member)) {
    if (json_scan::key_equals(member.raw_key, "messages") ||
        json_scan::key_equals(member.raw_key, "system") ||
        json_scan::key_equals(member.raw_key, "tools") ||
        json_scan::key_equals(member.raw_key, "input") ||          // Responses
        json_scan::key_equals(member.raw_key, "instructions")) {
      input_bytes += member.value_end - member.value_begin;
    }
  }
  info.input_token_estimate = static_cast<std::int64_t>((input_bytes + 3) / 4);
  return info;
}

}  // namespace spillway::dialect
