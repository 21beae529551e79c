#include "dialect/anthropic_delta.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "dialect/json_fields.hpp"
#include "dialect/sax_reader.hpp"

namespace spillway::dialect {

namespace json = boost::json;

namespace {

struct Handler : SaxHandlerDefaults {
  AnthropicDelta* out = nullptr;
  int depth = 0;            // containers open; 1 = the event object
  bool in_delta = false;    // depth 2 is the `delta` object
  bool root_object = false;
  std::string key;          // member name the next value belongs to
  std::string part;         // a string or name arriving in pieces
  std::string text;          // delta.text
  std::string partial_json;  // delta.partial_json
  std::string thinking;      // delta.thinking

  void start(AnthropicDelta& o) {
    out = &o;
    out->type.clear();
    out->index = -1;
    out->delta_type.clear();
    out->text.clear();
    depth = 0;
    in_delta = false;
    root_object = false;
    key.clear();
    part.clear();
    text.clear();
    partial_json.clear();
    thinking.clear();
  }

  bool open(bool is_object) {
    if (depth == 0) {
      root_object = is_object;
    } else if (depth == 1 && is_object && key == "delta") {
      in_delta = true;
    }
    ++depth;
    return true;
  }
  bool close() {
    --depth;
    if (depth == 1) {
      in_delta = false;
    }
    return true;
  }

  void string(std::string_view s) {
    if (depth == 1 && key == "type") {
      out->type.assign(s);
    } else if (depth == 2 && in_delta) {
      if (key == "type") {
        out->delta_type.assign(s);
      } else if (key == "text") {
        text.assign(s);
      } else if (key == "partial_json") {
        partial_json.assign(s);
      } else if (key == "thinking") {
        thinking.assign(s);
      }
    }
  }

  std::string_view whole(json::string_view s) {
    if (part.empty()) {
      return {s.data(), s.size()};
    }
    part.append(s.data(), s.size());
    return part;
  }

  bool on_array_begin(json::error_code&) { return open(false); }
  bool on_array_end(std::size_t, json::error_code&) { return close(); }
  bool on_object_begin(json::error_code&) { return open(true); }
  bool on_object_end(std::size_t, json::error_code&) { return close(); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    string(whole(s));
    part.clear();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key.assign(whole(s));
    part.clear();
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    if (depth == 1 && key == "index") {
      out->index = i;
    }
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    if (depth == 1 && key == "index" && u <= static_cast<std::uint64_t>(INT64_MAX)) {
      out->index = static_cast<std::int64_t>(u);
    }
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    if (depth == 1 && key == "index") {
      out->index = int64_of(d).value_or(-1);
    }
    return true;
  }
};

}  // namespace

// UTF-8 is not checked here but by json_write::string on what is written out again.

struct AnthropicDeltaReader::Impl {
  json::basic_parser<Handler> parser{sax_reader_options()};
};

AnthropicDeltaReader::AnthropicDeltaReader() : impl_(std::make_unique<Impl>()) {}
AnthropicDeltaReader::~AnthropicDeltaReader() = default;

bool AnthropicDeltaReader::read(std::string_view text, AnthropicDelta& out) {
  auto& parser = impl_->parser;
  parser.reset();
  Handler& h = parser.handler();
  h.start(out);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size() || !parser.done() || !h.root_object) {
    return false;
  }
  // The delta's payload is the field its type names.
  if (out.delta_type == "text_delta") {
    out.text.swap(h.text);
  } else if (out.delta_type == "input_json_delta") {
    out.text.swap(h.partial_json);
  } else if (out.delta_type == "thinking_delta") {
    out.text.swap(h.thinking);
  }
  return true;
}

}  // namespace spillway::dialect
