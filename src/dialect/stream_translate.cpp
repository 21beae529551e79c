#include "dialect/stream_translate.hpp"

#include <algorithm>
#include <ctime>
#include <random>

#include <boost/json.hpp>

#include "common/dialect.hpp"
#include "dialect/errors.hpp"

namespace spillway::dialect {

namespace json = boost::json;

namespace {

std::string random_hex(std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  // Seeded once per thread: a random_device and a fresh engine per stream cost more than
  // translating the whole stream.
  thread_local std::mt19937_64 gen{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                   std::random_device{}()};
  std::string s(n, '0');
  for (char& c : s) {
    c = digits[gen() & 0xf];
  }
  return s;
}

// Both translators take upstream bytes the same way: parse them into SSE events, hand each on
// until the stream is done, and end with an error when an event overflowed the parser.
template <class OnEvent, class OnError>
std::string translate_events(SseParser& parser, const bool& done, std::string_view bytes, OnEvent on_event,
                             OnError on_error) {
  std::string out;
  if (done) {
    return out;
  }
  for (const SseEvent& event : parser.feed(bytes)) {
    if (done) {
      break;
    }
    on_event(event, out);
  }
  if (!done && parser.overflowed()) {
    on_error(make_error(ErrorKind::bad_gateway, "upstream sent an oversized stream event", ErrorSource::upstream),
             out);
  }
  return out;
}

std::string_view str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_string()) {
    return v->get_string();
  }
  return {};
}

std::int64_t int_field(const json::object& o, std::string_view key, std::int64_t fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return fallback;
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    return static_cast<std::int64_t>(v->get_double());
  }
  return fallback;
}

const json::object* obj_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return (v != nullptr && v->is_object()) ? &v->get_object() : nullptr;
}

// Anthropic requires tool ids to match ^[a-zA-Z0-9_-]+$.
std::string sanitize_id(std::string_view id) {
  std::string s(id);
  for (char& c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) {
      c = '_';
    }
  }
  return s;
}

ErrorKind kind_from_upstream(std::string_view type, std::int64_t code) {
  if (type.find("overload") != std::string_view::npos || code == 503 || code == 529) {
    return ErrorKind::overloaded;
  }
  if (type.find("rate_limit") != std::string_view::npos || code == 429) {
    return ErrorKind::rate_limit;
  }
  return ErrorKind::api_error;
}

// A parsed upstream error object ({"error":{...}} or Anthropic's {"type":"error","error":{...}}).
ApiError upstream_error(const json::object& body) {
  std::string_view type;
  std::string message = "upstream error";
  std::int64_t code = 0;
  if (const json::object* e = obj_field(body, "error")) {
    type = str_field(*e, "type");
    if (type.empty()) {
      type = str_field(*e, "code");
    }
    code = int_field(*e, "code", 0);
    if (!str_field(*e, "message").empty()) {
      message = std::string(str_field(*e, "message"));
    }
  } else if (body.contains("error") && body.at("error").is_string()) {
    message = std::string(body.at("error").get_string());
  }
  return make_error(kind_from_upstream(type, code), std::move(message), ErrorSource::upstream);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// OpenAI chunks -> Anthropic events (PROTOCOLS.md 3.3; rule numbers below refer to it).

OpenAiToAnthropicStream::OpenAiToAnthropicStream(Options options) : options_(std::move(options)) {
  if (options_.message_id.empty()) {
    options_.message_id = "msg_" + random_hex(24);
  }
}

std::int64_t OpenAiToAnthropicStream::input_tokens() const {
  if (!usage_seen_) {
    return options_.input_token_estimate;
  }
  return std::max<std::int64_t>(0, prompt_tokens_ - cache_read_ - cache_creation_);
}

std::int64_t OpenAiToAnthropicStream::output_tokens() const {
  return usage_seen_ ? completion_tokens_ : (emitted_bytes_ + 3) / 4;
}

void OpenAiToAnthropicStream::emit(std::string_view name, const std::string& data,
                                   std::string& out) {
  out += encode_sse(name, data);
}

std::string OpenAiToAnthropicStream::feed(std::string_view upstream_bytes) {
  return translate_events(
      parser_, done_, upstream_bytes, [this](const SseEvent& e, std::string& out) { handle_event(e, out); },
      [this](const ApiError& e, std::string& out) { emit_error(e, out); });
}

std::string OpenAiToAnthropicStream::finish() {
  std::string out;
  if (!done_) {
    if (finish_seen_) {
      finalize(out);  // some servers never send [DONE]
    } else {
      end_without_finish(out);
    }
  }
  return out;
}

std::string OpenAiToAnthropicStream::fail(const ApiError& error) {
  std::string out;
  if (!done_) {
    emit_error(error, out);
  }
  return out;
}

void OpenAiToAnthropicStream::emit_error(const ApiError& error, std::string& out) {
  // Rule 7: the Anthropic SDKs know api_error and overloaded_error mid-stream.
  ApiError e = error;
  if (e.kind != ErrorKind::overloaded) {
    e.kind = ErrorKind::api_error;
  }
  out += error_event(Dialect::anthropic, e);
  done_ = true;
}

void OpenAiToAnthropicStream::handle_event(const SseEvent& event, std::string& out) {
  if (event.data == "[DONE]") {
    if (finish_seen_) {
      finalize(out);
    } else {
      end_without_finish(out);
    }
    return;
  }
  if (event.event == "error") {
    json::error_code ec;
    json::value v = json::parse(event.data, ec);
    ApiError e = (!ec && v.is_object()) ? upstream_error(v.get_object())
                                        : make_error(ErrorKind::api_error, event.data,
                                                     ErrorSource::upstream);
    emit_error(e, out);
    return;
  }
  handle_chunk(event.data, out);
}

void OpenAiToAnthropicStream::handle_chunk(std::string_view data, std::string& out) {
  json::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) {
    // Dropping it could silently lose part of the answer; fail loudly instead.
    emit_error(make_error(ErrorKind::bad_gateway, "upstream sent a malformed stream chunk",
                          ErrorSource::upstream),
               out);
    return;
  }
  const json::object& chunk = v.get_object();
  if (chunk.contains("error")) {
    emit_error(upstream_error(chunk), out);
    return;
  }
  ensure_started(out);

  if (const json::object* usage = obj_field(chunk, "usage")) {
    usage_seen_ = true;
    prompt_tokens_ = int_field(*usage, "prompt_tokens", prompt_tokens_);
    completion_tokens_ = int_field(*usage, "completion_tokens", completion_tokens_);
    if (const json::object* details = obj_field(*usage, "prompt_tokens_details")) {
      cache_read_ = int_field(*details, "cached_tokens", cache_read_);
      cache_creation_ = int_field(*details, "cache_write_tokens", cache_creation_);
    }
  }

  const json::value* choices_v = chunk.if_contains("choices");
  const json::array* choices =
      (choices_v != nullptr && choices_v->is_array()) ? &choices_v->get_array() : nullptr;
  if (choices == nullptr || choices->empty()) {
    // Rule 6: the usage chunk (choices []) ends the message once finish_reason came.
    if (finish_seen_ && usage_seen_) {
      finalize(out);
    }
    return;
  }
  // Only choice 0: the gateway never asks for n > 1.
  const json::object* choice = nullptr;
  for (const json::value& c : *choices) {
    if (c.is_object() && int_field(c.get_object(), "index", 0) == 0) {
      choice = &c.get_object();
      break;
    }
  }
  if (choice == nullptr) {
    return;
  }
  if (const json::object* delta = obj_field(*choice, "delta")) {
    std::string_view reasoning = str_field(*delta, "reasoning_content");
    if (reasoning.empty()) {
      reasoning = str_field(*delta, "reasoning");
    }
    if (!reasoning.empty() && options_.thinking_requested) {  // rule 2
      if (open_ != Block::thinking) {
        open_thinking(out);
      }
      emitted_bytes_ += static_cast<std::int64_t>(reasoning.size());
      json::object d{{"type", "content_block_delta"},
                     {"index", open_index_},
                     {"delta", {{"type", "thinking_delta"}, {"thinking", reasoning}}}};
      emit("content_block_delta", json::serialize(d), out);
    }
    std::string_view text = str_field(*delta, "content");
    if (!text.empty()) {  // rule 3: never open a block for ""
      if (open_ != Block::text) {
        open_text(out);
      }
      emitted_bytes_ += static_cast<std::int64_t>(text.size());
      json::object d{{"type", "content_block_delta"},
                     {"index", open_index_},
                     {"delta", {{"type", "text_delta"}, {"text", text}}}};
      emit("content_block_delta", json::serialize(d), out);
    }
    const json::value* tcs = delta->if_contains("tool_calls");
    if (tcs != nullptr && tcs->is_array()) {  // rule 4
      for (const json::value& tv : tcs->get_array()) {
        if (!tv.is_object()) {
          continue;
        }
        const json::object& tc = tv.get_object();
        std::string_view name;
        std::string args;
        if (const json::object* fn = obj_field(tc, "function")) {
          name = str_field(*fn, "name");
          const json::value* a = fn->if_contains("arguments");
          if (a != nullptr && a->is_string()) {
            args = std::string(a->get_string());
          } else if (a != nullptr && a->is_object()) {  // some servers send the object itself
            args = json::serialize(*a);
          }
        }
        std::size_t call = find_or_add_call(str_field(tc, "id"), int_field(tc, "index", -1), name);
        tool_fragment(call, args, out);
        advance(out);
      }
    }
  }
  const json::value* fr = choice->if_contains("finish_reason");
  if (fr != nullptr && fr->is_string()) {  // rule 5
    finish_reason_ = std::string(fr->get_string());
    finish_seen_ = true;
    flush_all(out);
  }
}

void OpenAiToAnthropicStream::ensure_started(std::string& out) {
  if (started_) {
    return;
  }
  started_ = true;
  json::object msg{{"id", options_.message_id},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", options_.client_model},
                   {"content", json::array{}},
                   {"stop_reason", nullptr},
                   {"stop_sequence", nullptr},
                   {"usage",
                    {{"input_tokens", options_.input_token_estimate},
                     {"cache_creation_input_tokens", 0},
                     {"cache_read_input_tokens", 0},
                     {"output_tokens", 0}}}};
  json::object e{{"type", "message_start"}, {"message", std::move(msg)}};
  emit("message_start", json::serialize(e), out);
}

void OpenAiToAnthropicStream::close_block(std::string& out) {
  if (open_ == Block::none) {
    return;
  }
  if (open_ == Block::thinking) {
    // Rule 2 / pitfall 9: a well-formed thinking block ends with a signature_delta. Empty: a
    // synthetic signature must never reach a real Anthropic upstream.
    json::object d{{"type", "content_block_delta"},
                   {"index", open_index_},
                   {"delta", {{"type", "signature_delta"}, {"signature", ""}}}};
    emit("content_block_delta", json::serialize(d), out);
  }
  if (open_ == Block::tool) {
    calls_[open_call_].closed = true;
  }
  json::object s{{"type", "content_block_stop"}, {"index", open_index_}};
  emit("content_block_stop", json::serialize(s), out);
  open_ = Block::none;
  open_index_ = -1;
}

void OpenAiToAnthropicStream::open_text(std::string& out) {
  close_block(out);
  open_ = Block::text;
  open_index_ = next_index_++;
  json::object s{{"type", "content_block_start"},
                 {"index", open_index_},
                 {"content_block", {{"type", "text"}, {"text", ""}}}};
  emit("content_block_start", json::serialize(s), out);
}

void OpenAiToAnthropicStream::open_thinking(std::string& out) {
  close_block(out);
  open_ = Block::thinking;
  open_index_ = next_index_++;
  json::object s{{"type", "content_block_start"},
                 {"index", open_index_},
                 {"content_block", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}}};
  emit("content_block_start", json::serialize(s), out);
}

void OpenAiToAnthropicStream::open_tool(std::size_t call, std::string& out) {
  close_block(out);
  ToolCall& c = calls_[call];
  open_ = Block::tool;
  open_call_ = call;
  open_index_ = next_index_++;
  c.a_index = open_index_;
  json::object s{{"type", "content_block_start"},
                 {"index", open_index_},
                 {"content_block",
                  {{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", json::object{}}}}};
  emit("content_block_start", json::serialize(s), out);
  if (!c.buffered.empty()) {
    json::object d{{"type", "content_block_delta"},
                   {"index", open_index_},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", c.buffered}}}};
    emit("content_block_delta", json::serialize(d), out);
    c.buffered.clear();
  }
}

std::size_t OpenAiToAnthropicStream::find_or_add_call(std::string_view id, std::int64_t o_index,
                                                      std::string_view name) {
  std::string clean = sanitize_id(id);
  if (!clean.empty()) {
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i].id == clean) {
        return i;
      }
    }
  } else if (!calls_.empty()) {
    // No id: a continuation fragment, unless it names a function for an index not seen yet.
    for (std::size_t i = calls_.size(); i-- > 0;) {
      if (o_index >= 0 && calls_[i].o_index == o_index) {
        return i;
      }
    }
    if (name.empty() || o_index < 0) {
      return calls_.size() - 1;
    }
  }
  ToolCall c;
  c.id = !clean.empty() ? clean
                        : "toolu_" + options_.message_id.substr(std::min<std::size_t>(
                                         4, options_.message_id.size())) +
                              "_" + std::to_string(calls_.size());
  c.name = std::string(name);
  c.o_index = o_index;
  calls_.push_back(std::move(c));
  return calls_.size() - 1;
}

void OpenAiToAnthropicStream::tool_fragment(std::size_t call, std::string_view fragment,
                                            std::string& out) {
  ToolCall& c = calls_[call];
  for (char ch : fragment) {
    if (c.escape) {
      c.escape = false;
    } else if (c.in_string) {
      if (ch == '\\') {
        c.escape = true;
      } else if (ch == '"') {
        c.in_string = false;
      }
    } else if (ch == '"') {
      c.in_string = true;
    } else if (ch == '{' || ch == '[') {
      c.started = true;
      ++c.depth;
    } else if (ch == '}' || ch == ']') {
      --c.depth;
    }
  }
  if (fragment.empty()) {
    return;
  }
  emitted_bytes_ += static_cast<std::int64_t>(fragment.size());
  if (open_ == Block::tool && open_call_ == call) {
    json::object d{{"type", "content_block_delta"},
                   {"index", open_index_},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", fragment}}}};
    emit("content_block_delta", json::serialize(d), out);
  } else if (c.a_index < 0) {
    c.buffered += fragment;  // its block is not open yet: flushed when it opens
  }
  // else: a fragment for a call whose block already closed; nothing valid can carry it.
}

void OpenAiToAnthropicStream::advance(std::string& out) {
  // Open waiting calls in order, but never close a tool block whose arguments are unfinished:
  // its later fragments would have nowhere to go.
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i].a_index >= 0) {
      continue;
    }
    if (open_ == Block::tool && !calls_[open_call_].complete()) {
      return;
    }
    open_tool(i, out);
  }
}

void OpenAiToAnthropicStream::flush_all(std::string& out) {
  close_block(out);
  for (std::size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i].a_index < 0) {
      open_tool(i, out);
      close_block(out);
    }
  }
}

void OpenAiToAnthropicStream::end_without_finish(std::string& out) {
  // Rule 8: a cut stream is an error when a tool call may be missing arguments.
  bool half_open = false;
  for (const ToolCall& c : calls_) {
    if (!c.closed && !c.complete()) {
      half_open = true;
    }
  }
  if (half_open) {
    emit_error(make_error(ErrorKind::api_error, "upstream stream ended in the middle of a tool call",
                          ErrorSource::upstream),
               out);
    return;
  }
  finalize(out);
}

std::string OpenAiToAnthropicStream::stop_reason() const {
  if (finish_reason_ == "length") {
    return "max_tokens";
  }
  if (finish_reason_ == "content_filter") {
    return "refusal";
  }
  if (!calls_.empty()) {
    return "tool_use";  // local servers often say "stop" after tool calls
  }
  return "end_turn";
}

void OpenAiToAnthropicStream::finalize(std::string& out) {
  ensure_started(out);
  flush_all(out);
  json::object md{{"type", "message_delta"},
                  {"delta", {{"stop_reason", stop_reason()}, {"stop_sequence", nullptr}}},
                  {"usage",
                   {{"input_tokens", input_tokens()},
                    {"cache_creation_input_tokens", cache_creation_},
                    {"cache_read_input_tokens", cache_read_},
                    {"output_tokens", output_tokens()}}}};
  emit("message_delta", json::serialize(md), out);
  emit("message_stop", R"({"type":"message_stop"})", out);
  done_ = true;
}

// ---------------------------------------------------------------------------------------------
// Anthropic events -> OpenAI chunks (PROTOCOLS.md 3.6).

AnthropicToOpenAiStream::AnthropicToOpenAiStream(Options options) : options_(std::move(options)) {
  if (options_.completion_id.empty()) {
    options_.completion_id = "chatcmpl-" + random_hex(24);
  }
  if (options_.created == 0) {
    options_.created = static_cast<std::int64_t>(std::time(nullptr));
  }
}

namespace {

std::string data_frame(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

std::string_view finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") {
    return "tool_calls";
  }
  if (stop_reason == "refusal") {
    return "content_filter";
  }
  return "stop";  // end_turn, stop_sequence, pause_turn, anything new
}

ErrorKind kind_from_anthropic(std::string_view type) {
  if (type == "overloaded_error") {
    return ErrorKind::overloaded;
  }
  if (type == "rate_limit_error") {
    return ErrorKind::rate_limit;
  }
  if (type == "invalid_request_error") {
    return ErrorKind::invalid_request;
  }
  if (type == "timeout_error") {
    return ErrorKind::timeout;
  }
  return ErrorKind::api_error;
}

}  // namespace

std::string AnthropicToOpenAiStream::feed(std::string_view upstream_bytes) {
  return translate_events(
      parser_, done_, upstream_bytes, [this](const SseEvent& e, std::string& out) { handle_event(e, out); },
      [this](const ApiError& e, std::string& out) { emit_error(e, out); });
}

std::string AnthropicToOpenAiStream::finish() {
  std::string out;
  if (done_) {
    return out;
  }
  if (finish_sent_) {
    complete(out);  // only message_stop went missing: the answer itself is whole
  } else {
    emit_error(make_error(ErrorKind::api_error, "upstream stream ended before the message completed",
                          ErrorSource::upstream),
               out);
  }
  return out;
}

std::string AnthropicToOpenAiStream::fail(const ApiError& error) {
  std::string out;
  if (!done_) {
    emit_error(error, out);
  }
  return out;
}

void AnthropicToOpenAiStream::emit_error(const ApiError& error, std::string& out) {
  out += error_event(Dialect::openai, error);
  done_ = true;
}

void AnthropicToOpenAiStream::handle_event(const SseEvent& event, std::string& out) {
  json::error_code ec;
  json::value v = json::parse(event.data, ec);
  if (ec || !v.is_object()) {
    emit_error(make_error(ErrorKind::bad_gateway, "upstream sent a malformed stream event",
                          ErrorSource::upstream),
               out);
    return;
  }
  const json::object& ev = v.get_object();
  std::string_view type = str_field(ev, "type");
  if (type.empty()) {
    type = event.event;
  }

  auto make_chunk = [&](json::object delta, std::string_view finish_reason) {
    json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
    if (finish_reason.empty()) {
      choice["finish_reason"] = nullptr;
    } else {
      choice["finish_reason"] = finish_reason;
    }
    json::object c{{"id", options_.completion_id},
                   {"object", "chat.completion.chunk"},
                   {"created", options_.created},
                   {"model", options_.client_model},
                   {"choices", json::array{std::move(choice)}}};
    if (options_.include_usage) {
      c["usage"] = nullptr;
    }
    return data_frame(c);
  };
  auto ensure_started = [&]() {
    if (!started_) {
      started_ = true;
      out += make_chunk(json::object{{"role", "assistant"}, {"content", ""}}, "");
    }
  };
  auto read_usage = [&](const json::object& usage) {
    // Non-null values are cumulative totals that replace earlier ones (1.5).
    input_tokens_ = int_field(usage, "input_tokens", input_tokens_);
    output_tokens_ = int_field(usage, "output_tokens", output_tokens_);
    cache_read_ = int_field(usage, "cache_read_input_tokens", cache_read_);
    cache_creation_ = int_field(usage, "cache_creation_input_tokens", cache_creation_);
  };

  if (type == "error") {
    std::string_view etype;
    std::string message = "upstream error";
    if (const json::object* e = obj_field(ev, "error")) {
      etype = str_field(*e, "type");
      if (!str_field(*e, "message").empty()) {
        message = std::string(str_field(*e, "message"));
      }
    }
    emit_error(make_error(kind_from_anthropic(etype), std::move(message), ErrorSource::upstream),
               out);
    return;
  }
  if (type == "ping") {
    out += ": ping\n\n";  // keeps idle proxies between us and the client from closing
    return;
  }
  if (type == "message_start") {
    if (const json::object* msg = obj_field(ev, "message")) {
      if (const json::object* usage = obj_field(*msg, "usage")) {
        read_usage(*usage);
      }
    }
    ensure_started();
    return;
  }
  if (type == "content_block_start") {
    ensure_started();
    std::int64_t index = int_field(ev, "index", -1);
    const json::object* block = obj_field(ev, "content_block");
    if (index < 0 || index > 100000 || block == nullptr) {
      return;
    }
    auto i = static_cast<std::size_t>(index);
    if (tool_slot_by_block_.size() <= i) {
      tool_slot_by_block_.resize(i + 1, -1);
      thinking_block_.resize(i + 1, 0);
    }
    std::string_view btype = str_field(*block, "type");
    if (btype == "thinking") {
      thinking_block_[i] = 1;
    } else if (btype == "tool_use") {
      int k = next_tool_++;
      tool_slot_by_block_[i] = k;
      json::object call{{"index", k},
                        {"id", str_field(*block, "id")},
                        {"type", "function"},
                        {"function", {{"name", str_field(*block, "name")}, {"arguments", ""}}}};
      out += make_chunk(json::object{{"tool_calls", json::array{std::move(call)}}}, "");
    }
    return;
  }
  if (type == "content_block_delta") {
    ensure_started();
    const json::object* delta = obj_field(ev, "delta");
    if (delta == nullptr) {
      return;
    }
    std::int64_t index = int_field(ev, "index", -1);
    std::string_view dtype = str_field(*delta, "type");
    if (dtype == "text_delta") {
      std::string_view text = str_field(*delta, "text");
      if (!text.empty()) {
        out += make_chunk(json::object{{"content", text}}, "");
      }
    } else if (dtype == "input_json_delta") {
      std::string_view part = str_field(*delta, "partial_json");
      if (part.empty() || index < 0 ||
          static_cast<std::size_t>(index) >= tool_slot_by_block_.size() ||
          tool_slot_by_block_[static_cast<std::size_t>(index)] < 0) {
        return;
      }
      json::object call{{"index", tool_slot_by_block_[static_cast<std::size_t>(index)]},
                        {"function", {{"arguments", part}}}};
      out += make_chunk(json::object{{"tool_calls", json::array{std::move(call)}}}, "");
    } else if (dtype == "thinking_delta" && options_.include_reasoning) {
      std::string_view thinking = str_field(*delta, "thinking");
      if (!thinking.empty()) {
        out += make_chunk(json::object{{"reasoning_content", thinking}}, "");
      }
    }
    // signature_delta, citations_delta and unknown deltas have no Chat equivalent.
    return;
  }
  if (type == "message_delta") {
    ensure_started();
    if (const json::object* usage = obj_field(ev, "usage")) {
      read_usage(*usage);
    }
    const json::object* delta = obj_field(ev, "delta");
    std::string_view stop = delta != nullptr ? str_field(*delta, "stop_reason") : "";
    if (!finish_sent_ && !stop.empty()) {
      finish_sent_ = true;
      out += make_chunk(json::object{}, finish_reason_for(stop));
    }
    return;
  }
  if (type == "message_stop") {
    ensure_started();
    if (!finish_sent_) {
      finish_sent_ = true;
      out += make_chunk(json::object{}, "stop");
    }
    complete(out);
    return;
  }
  // content_block_stop and unknown event types need nothing.
}

void AnthropicToOpenAiStream::complete(std::string& out) {
  if (options_.include_usage) {
    std::int64_t prompt = input_tokens_ + cache_read_ + cache_creation_;
    json::object c{{"id", options_.completion_id},
                   {"object", "chat.completion.chunk"},
                   {"created", options_.created},
                   {"model", options_.client_model},
                   {"choices", json::array{}},
                   {"usage",
                    {{"prompt_tokens", prompt},
                     {"completion_tokens", output_tokens_},
                     {"total_tokens", prompt + output_tokens_},
                     {"prompt_tokens_details", {{"cached_tokens", cache_read_}}}}}};
    out += data_frame(c);
  }
  out += "data: [DONE]\n\n";
  done_ = true;
}

}  // namespace spillway::dialect
