#include "dialect/openai_chunk.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "dialect/json_fields.hpp"
#include "dialect/sax_reader.hpp"

namespace spillway::dialect {

namespace json = boost::json;

void OpenAiChunk::clear() {
  usage = false;
  prompt_tokens = completion_tokens = cached_tokens = cache_write_tokens = -1;
  has_choice_list = false;
  choice = false;
  content.clear();
  refusal.clear();
  reasoning.clear();
  finish = false;
  finish_reason.clear();
  tool_call_count = 0;
}

namespace {

// Where the parser is: the chain of containers that lead to a field the translator reads.
// Anything else is `skip`, and so is everything inside it.
enum class At : unsigned char { root, usage, details, choices, choice, delta, tool_calls, tool_call, function, skip };

// A chunk's tool calls are few; more than this is no chunk a real server sends.
constexpr std::size_t max_tool_calls = 256;

// One choice as it is read: which one it is (its index) is only known at its end.
struct ChoiceFields {
  std::int64_t index = 0;
  std::string content;
  std::string refusal;
  std::string reasoning_content;
  std::string reasoning;
  bool finish = false;
  std::string finish_reason;
  std::vector<OpenAiChunk::ToolCall> tool_calls;
  std::size_t tool_call_count = 0;

  void clear() {
    index = 0;
    content.clear();
    refusal.clear();
    reasoning_content.clear();
    reasoning.clear();
    finish = false;
    finish_reason.clear();
    tool_call_count = 0;
  }
};

struct Handler : SaxHandlerDefaults {
  OpenAiChunk* out = nullptr;
  std::string_view input;  // the text being read: names inside it need no copy
  std::vector<At> stack;
  std::string_view key;   // the member name the next value belongs to
  std::string key_copy;   // its bytes when they are not in `input` (escaped names)
  std::string text;       // a string value arriving in parts
  ChoiceFields current;   // the choice being read
  bool needs_dom = false;
  bool root_object = false;

  void start(OpenAiChunk& o, std::string_view chunk_text) {
    out = &o;
    out->clear();
    input = chunk_text;
    stack.clear();
    key = {};
    text.clear();
    current.clear();
    needs_dom = false;
    root_object = false;
  }

  At top() const { return stack.empty() ? At::skip : stack.back(); }
  bool in_object(At at) const { return top() == at; }

  // Gives up on the SAX pass: the parse stops with an error the caller tells apart by needs_dom.
  bool give_up(json::error_code& ec) {
    needs_dom = true;
    ec = json::error::exception;
    return false;
  }

  OpenAiChunk::ToolCall& tool_call() { return current.tool_calls[current.tool_call_count - 1]; }

  // A container opens: which context it is, from where it sits and its member name.
  At child(bool is_object) const {
    if (stack.empty()) {
      return is_object && !root_object ? At::root : At::skip;
    }
    switch (top()) {
      case At::root:
        if (is_object && key == "usage") return At::usage;
        if (!is_object && key == "choices") return At::choices;
        return At::skip;
      case At::usage:
        return is_object && key == "prompt_tokens_details" ? At::details : At::skip;
      case At::choices:
        return is_object ? At::choice : At::skip;
      case At::choice:
        return is_object && key == "delta" ? At::delta : At::skip;
      case At::delta:
        return !is_object && key == "tool_calls" ? At::tool_calls : At::skip;
      case At::tool_calls:
        return is_object ? At::tool_call : At::skip;
      case At::tool_call:
        return is_object && key == "function" ? At::function : At::skip;
      default:
        return At::skip;
    }
  }

  bool open(bool is_object, json::error_code& ec) {
    if (top() == At::function && key == "arguments") {
      return give_up(ec);  // arguments as an object: from_dom serialises it
    }
    const At at = child(is_object);
    if (at == At::choice) {
      current.clear();
    } else if (at == At::tool_call) {
      if (current.tool_call_count == max_tool_calls) {
        return give_up(ec);
      }
      if (current.tool_calls.size() == current.tool_call_count) {
        current.tool_calls.emplace_back();
      }
      auto& call = current.tool_calls[current.tool_call_count++];
      call.index = -1;
      call.id.clear();
      call.name.clear();
      call.arguments.clear();
    } else if (at == At::usage) {
      out->usage = true;
    } else if (at == At::root) {
      root_object = true;
    }
    stack.push_back(at);
    return true;
  }

  bool close(std::size_t n) {
    const At at = top();
    stack.pop_back();
    if (at == At::choices) {
      out->has_choice_list = n > 0;
    } else if (at == At::choice && !out->choice && current.index == 0) {
      // The first choice with index 0 is the one translated (the gateway never asks for n > 1).
      out->choice = true;
      out->content.swap(current.content);
      out->refusal.swap(current.refusal);
      out->reasoning.swap(current.reasoning_content.empty() ? current.reasoning : current.reasoning_content);
      out->finish = current.finish;
      out->finish_reason.swap(current.finish_reason);
      out->tool_calls.swap(current.tool_calls);
      out->tool_call_count = current.tool_call_count;
      current.tool_call_count = 0;
    }
    return true;
  }

  void number(std::int64_t v) {
    switch (top()) {
      case At::usage:
        if (key == "prompt_tokens") out->prompt_tokens = v;
        else if (key == "completion_tokens") out->completion_tokens = v;
        break;
      case At::details:
        if (key == "cached_tokens") out->cached_tokens = v;
        else if (key == "cache_write_tokens") out->cache_write_tokens = v;
        break;
      case At::choice:
        if (key == "index") current.index = v;
        break;
      case At::tool_call:
        if (key == "index") tool_call().index = v;
        break;
      default:
        break;
    }
  }

  // A whole string value (after any parts).
  void string(std::string_view s) {
    switch (top()) {
      case At::choice:
        if (key == "finish_reason") {
          current.finish = true;
          current.finish_reason.assign(s);
        }
        break;
      case At::delta:
        if (key == "content") current.content.assign(s);
        else if (key == "refusal") current.refusal.assign(s);
        else if (key == "reasoning_content") current.reasoning_content.assign(s);
        else if (key == "reasoning") current.reasoning.assign(s);
        break;
      case At::tool_call:
        if (key == "id") tool_call().id.assign(s);
        break;
      case At::function:
        if (key == "name") tool_call().name.assign(s);
        else if (key == "arguments") tool_call().arguments.assign(s);
        break;
      default:
        break;
    }
  }

  bool on_array_begin(json::error_code& ec) { return open(false, ec); }
  bool on_array_end(std::size_t n, json::error_code&) { return close(n); }
  bool on_object_begin(json::error_code& ec) { return open(true, ec); }
  bool on_object_end(std::size_t n, json::error_code&) { return close(n); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (text.empty()) {
      string({s.data(), s.size()});
    } else {
      text.append(s.data(), s.size());
      string(text);
      text.clear();
    }
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    text.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    if (text.empty() && s.data() >= input.data() && s.data() + s.size() <= input.data() + input.size()) {
      key = {s.data(), s.size()};  // an unescaped name, seen in place
    } else {
      text.append(s.data(), s.size());
      key_copy.swap(text);
      text.clear();
      key = key_copy;
    }
    if (top() == At::root && key == "error") {
      return give_up(ec);  // an error body: the DOM path reads it whatever its shape
    }
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
      number(static_cast<std::int64_t>(u));
    }
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    if (auto n = int64_of(d)) {  // out of range: ignored, as the DOM reader ignores it
      number(*n);
    }
    return true;
  }
};

}  // namespace

struct OpenAiChunkReader::Impl {
  json::basic_parser<Handler> parser{sax_reader_options()};
};

OpenAiChunkReader::OpenAiChunkReader() : impl_(std::make_unique<Impl>()) {}
OpenAiChunkReader::~OpenAiChunkReader() = default;

ChunkRead OpenAiChunkReader::read(std::string_view text, OpenAiChunk& out) {
  auto& parser = impl_->parser;
  parser.reset();
  parser.handler().start(out, text);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().needs_dom) {
    return ChunkRead::needs_dom;
  }
  if (ec || used != text.size()) {
    return ChunkRead::malformed;
  }
  // Valid JSON that is not an object reads as malformed, as in the DOM path.
  return parser.done() && parser.handler().root_object ? ChunkRead::ok : ChunkRead::malformed;
}

namespace {

std::string_view str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

std::int64_t num(const json::object& o, std::string_view key, std::int64_t fallback) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? int64_of(*v).value_or(fallback) : fallback;
}

const json::object* obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

void from_dom(const json::object& chunk, OpenAiChunk& out) {
  out.clear();
  if (const json::object* usage = obj(chunk, "usage")) {
    out.usage = true;
    out.prompt_tokens = num(*usage, "prompt_tokens", -1);
    out.completion_tokens = num(*usage, "completion_tokens", -1);
    if (const json::object* details = obj(*usage, "prompt_tokens_details")) {
      out.cached_tokens = num(*details, "cached_tokens", -1);
      out.cache_write_tokens = num(*details, "cache_write_tokens", -1);
    }
  }
  const json::value* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty()) {
    return;
  }
  out.has_choice_list = true;
  const json::object* choice = nullptr;
  for (const json::value& c : choices->get_array()) {
    if (c.is_object() && num(c.get_object(), "index", 0) == 0) {
      choice = &c.get_object();
      break;
    }
  }
  if (choice == nullptr) {
    return;
  }
  out.choice = true;
  if (const json::object* delta = obj(*choice, "delta")) {
    out.reasoning = str(*delta, "reasoning_content");
    if (out.reasoning.empty()) {
      out.reasoning = str(*delta, "reasoning");
    }
    out.content = str(*delta, "content");
    out.refusal = str(*delta, "refusal");
    const json::value* calls = delta->if_contains("tool_calls");
    if (calls != nullptr && calls->is_array()) {
      for (const json::value& tv : calls->get_array()) {
        if (!tv.is_object()) {
          continue;
        }
        const json::object& tc = tv.get_object();
        if (out.tool_calls.size() == out.tool_call_count) {
          out.tool_calls.emplace_back();
        }
        auto& call = out.tool_calls[out.tool_call_count++];
        call.index = num(tc, "index", -1);
        call.id = str(tc, "id");
        call.name.clear();
        call.arguments.clear();
        if (const json::object* fn = obj(tc, "function")) {
          call.name = str(*fn, "name");
          const json::value* a = fn->if_contains("arguments");
          if (a != nullptr && a->is_string()) {
            call.arguments = a->get_string();
          } else if (a != nullptr && a->is_object()) {  // some servers send the object itself
            call.arguments = json::serialize(*a);
          }
        }
      }
    }
  }
  const json::value* fr = choice->if_contains("finish_reason");
  if (fr != nullptr && fr->is_string()) {
    out.finish = true;
    out.finish_reason = fr->get_string();
  }
}

}  // namespace spillway::dialect
