#include "dialect/stream_translate.hpp"

#include <algorithm>
#include <optional>
#include <ctime>
#include <random>

#include <boost/json.hpp>

#include "common/dialect.hpp"
#include "dialect/anthropic_delta.hpp"
#include "dialect/errors.hpp"
#include "dialect/json_fields.hpp"
#include "dialect/json_write.hpp"
#include "dialect/openai_chunk.hpp"

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
void translate_events(SseParser& parser, const bool& done, std::string_view bytes, std::string& out, OnEvent on_event,
                      OnError on_error) {
  if (done) {
    return;
  }
  out.reserve(out.size() + bytes.size() + bytes.size() / 2 + 256);  // room for what the events become
  SseEventView event;
  while (!done && parser.next(bytes, event)) {
    on_event(event, out);
  }
  if (!done && parser.overflowed()) {
    on_error(make_error(ErrorKind::bad_gateway, "upstream sent an oversized stream event", ErrorSource::upstream),
             out);
  }
}

// Parses one event's JSON into memory reused from event to event: a fresh DOM per event,
// allocated piece by piece, cost more than everything else a translated event needs. One per
// thread: translation of an event never suspends, so a value never outlives the next parse.
class EventJson {
 public:
  // The event as a JSON object, valid until the next call on this thread; null when malformed.
  static const json::object* parse(std::string_view text) {
    thread_local EventJson self;
    return self.parse_one(text);
  }

 private:
  const json::object* parse_one(std::string_view text) {
    value_.reset();  // before the memory it lives in is released
    arena_.release();
    parser_.reset(json::storage_ptr(&arena_));
    json::error_code ec;
    parser_.write(text, ec);
    if (ec) {
      return nullptr;
    }
    // Move construction keeps the arena (assignment would copy into the value's own resource).
    value_.emplace(parser_.release());
    return value_->if_object();
  }

  unsigned char initial_[4096];
  json::monotonic_resource arena_{initial_, sizeof initial_};
  json::parser parser_;
  std::optional<json::value> value_;
};

std::string_view str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_string()) {
    return v->get_string();
  }
  return {};
}

std::int64_t int_field(const json::object& o, std::string_view key, std::int64_t fallback) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? int64_of(*v).value_or(fallback) : fallback;
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

void OpenAiToAnthropicStream::feed(std::string_view upstream_bytes, std::string& out) {
  translate_events(
      parser_, done_, upstream_bytes, out, [this](const SseEventView& e, std::string& o) { handle_event(e, o); },
      [this](const ApiError& e, std::string& o) { emit_error(e, o); });
}

std::string OpenAiToAnthropicStream::feed(std::string_view upstream_bytes) {
  std::string out;
  feed(upstream_bytes, out);
  return out;
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

void OpenAiToAnthropicStream::handle_event(const SseEventView& event, std::string& out) {
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
                                        : make_error(ErrorKind::api_error, std::string(event.data),
                                                     ErrorSource::upstream);
    emit_error(e, out);
    return;
  }
  handle_chunk(event.data, out);
}

void OpenAiToAnthropicStream::handle_chunk(std::string_view data, std::string& out) {
  thread_local OpenAiChunkReader reader;
  thread_local OpenAiChunk chunk;
  switch (reader.read(data, chunk)) {
    case ChunkRead::ok:
      break;
    case ChunkRead::malformed:
      // Dropping it could silently lose part of the answer; fail loudly instead.
      emit_error(make_error(ErrorKind::bad_gateway, "upstream sent a malformed stream chunk", ErrorSource::upstream),
                 out);
      return;
    case ChunkRead::needs_dom: {
      const json::object* parsed = EventJson::parse(data);
      if (parsed == nullptr) {
        emit_error(make_error(ErrorKind::bad_gateway, "upstream sent a malformed stream chunk", ErrorSource::upstream),
                   out);
        return;
      }
      if (parsed->contains("error")) {
        emit_error(upstream_error(*parsed), out);
        return;
      }
      from_dom(*parsed, chunk);
      break;
    }
  }
  ensure_started(out);

  if (chunk.usage) {
    usage_seen_ = true;
    auto take = [](std::int64_t& field, std::int64_t value) {
      if (value >= 0) {
        field = value;
      }
    };
    take(prompt_tokens_, chunk.prompt_tokens);
    take(completion_tokens_, chunk.completion_tokens);
    take(cache_read_, chunk.cached_tokens);
    take(cache_creation_, chunk.cache_write_tokens);
  }
  if (!chunk.has_choice_list) {
    // Rule 6: the usage chunk (choices []) ends the message once finish_reason came.
    if (finish_seen_ && usage_seen_) {
      finalize(out);
    }
    return;
  }
  if (!chunk.choice) {
    return;
  }
  if (!chunk.reasoning.empty() && options_.thinking_requested) {  // rule 2
    if (open_ != Block::thinking) {
      open_thinking(out);
    }
    emitted_bytes_ += static_cast<std::int64_t>(chunk.reasoning.size());
    emit_delta("thinking_delta", "thinking", chunk.reasoning, out);
  }
  // Rule 3: never open a block for "". A refusal's text is the answer's text.
  for (const std::string* text : {&chunk.content, &chunk.refusal}) {
    if (text->empty()) {
      continue;
    }
    if (open_ != Block::text) {
      open_text(out);
    }
    emitted_bytes_ += static_cast<std::int64_t>(text->size());
    emit_delta("text_delta", "text", *text, out);
  }
  refused_ = refused_ || !chunk.refusal.empty();
  for (std::size_t i = 0; i < chunk.tool_call_count; ++i) {  // rule 4
    const OpenAiChunk::ToolCall& tc = chunk.tool_calls[i];
    std::size_t call = find_or_add_call(tc.id, tc.index, tc.name);
    tool_fragment(call, tc.arguments, out);
    advance(out);
  }
  if (chunk.finish) {  // rule 5
    finish_reason_ = chunk.finish_reason;
    finish_seen_ = true;
    flush_all(out);
  }
}

void OpenAiToAnthropicStream::ensure_started(std::string& out) {
  if (started_) {
    return;
  }
  started_ = true;
  namespace w = json_write;
  w::begin_event(out, "message_start");
  out += R"({"type":"message_start","message":{"id":)";
  w::string(out, options_.message_id);
  out += R"(,"type":"message","role":"assistant","model":)";
  w::string(out, options_.client_model);
  out += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)";
  w::integer(out, options_.input_token_estimate);
  out += R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}})";
  w::end_event(out);
}

void OpenAiToAnthropicStream::emit_delta(std::string_view type, std::string_view field, std::string_view value,
                                         std::string& out) const {
  namespace w = json_write;
  w::begin_event(out, "content_block_delta");
  out += R"({"type":"content_block_delta","index":)";
  w::integer(out, open_index_);
  out += R"(,"delta":{"type":")";
  out += type;
  out += R"(",)";
  w::key(out, field);
  w::string(out, value);
  out += "}}";
  w::end_event(out);
}

// content_block_start for the block just opened; `rest` is the content block after its type.
void OpenAiToAnthropicStream::emit_block_start(std::string_view type, std::string_view rest, std::string& out) const {
  namespace w = json_write;
  w::begin_event(out, "content_block_start");
  out += R"({"type":"content_block_start","index":)";
  w::integer(out, open_index_);
  out += R"(,"content_block":{"type":")";
  out += type;
  out += '"';
  out += rest;
  out += "}}";
  w::end_event(out);
}

void OpenAiToAnthropicStream::close_block(std::string& out) {
  if (open_ == Block::none) {
    return;
  }
  if (open_ == Block::thinking) {
    // Rule 2 / pitfall 9: a well-formed thinking block ends with a signature_delta. Empty: a
    // synthetic signature must never reach a real Anthropic upstream.
    emit_delta("signature_delta", "signature", "", out);
  }
  if (open_ == Block::tool) {
    calls_[open_call_].closed = true;
  }
  json_write::begin_event(out, "content_block_stop");
  out += R"({"type":"content_block_stop","index":)";
  json_write::integer(out, open_index_);
  out += '}';
  json_write::end_event(out);
  open_ = Block::none;
  open_index_ = -1;
}

void OpenAiToAnthropicStream::open_text(std::string& out) {
  close_block(out);
  open_ = Block::text;
  open_index_ = next_index_++;
  emit_block_start("text", R"(,"text":"")", out);
}

void OpenAiToAnthropicStream::open_thinking(std::string& out) {
  close_block(out);
  open_ = Block::thinking;
  open_index_ = next_index_++;
  emit_block_start("thinking", R"(,"thinking":"","signature":"")", out);
}

void OpenAiToAnthropicStream::open_tool(std::size_t call, std::string& out) {
  close_block(out);
  ToolCall& c = calls_[call];
  open_ = Block::tool;
  open_call_ = call;
  open_index_ = next_index_++;
  c.a_index = open_index_;
  std::string rest = R"(,"id":)";
  json_write::string(rest, c.id);
  rest += R"(,"name":)";
  json_write::string(rest, c.name);
  rest += R"(,"input":{})";
  emit_block_start("tool_use", rest, out);
  if (!c.buffered.empty()) {
    emit_delta("input_json_delta", "partial_json", c.buffered, out);
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
    emit_delta("input_json_delta", "partial_json", fragment, out);
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

std::string_view OpenAiToAnthropicStream::stop_reason() const {
  if (finish_reason_ == "length") {
    return "max_tokens";
  }
  if (finish_reason_ == "content_filter" || refused_) {
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
  namespace w = json_write;
  w::begin_event(out, "message_delta");
  out += R"({"type":"message_delta","delta":{"stop_reason":")";
  out += stop_reason();
  out += R"(","stop_sequence":null},"usage":{"input_tokens":)";
  w::integer(out, input_tokens());
  out += R"(,"cache_creation_input_tokens":)";
  w::integer(out, cache_creation_);
  out += R"(,"cache_read_input_tokens":)";
  w::integer(out, cache_read_);
  out += R"(,"output_tokens":)";
  w::integer(out, output_tokens());
  out += "}}";
  w::end_event(out);
  out += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
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
  chunk_prefix_ = R"(data: {"id":)";
  json_write::string(chunk_prefix_, options_.completion_id);
  chunk_prefix_ += R"(,"object":"chat.completion.chunk","created":)";
  json_write::integer(chunk_prefix_, options_.created);
  chunk_prefix_ += R"(,"model":)";
  json_write::string(chunk_prefix_, options_.client_model);
  chunk_prefix_ += R"(,"choices":[{"index":0,"delta":)";
}

namespace {

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

void AnthropicToOpenAiStream::feed(std::string_view upstream_bytes, std::string& out) {
  translate_events(
      parser_, done_, upstream_bytes, out, [this](const SseEventView& e, std::string& o) { handle_event(e, o); },
      [this](const ApiError& e, std::string& o) { emit_error(e, o); });
}

std::string AnthropicToOpenAiStream::feed(std::string_view upstream_bytes) {
  std::string out;
  feed(upstream_bytes, out);
  return out;
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

void AnthropicToOpenAiStream::chunk(std::string& out, std::string_view delta, std::string_view finish_reason) {
  // The part before the delta is the same for the whole stream and was written once.
  out += chunk_prefix_;
  out += delta;
  out += R"(,"logprobs":null,"finish_reason":)";
  if (finish_reason.empty()) {
    out += "null";
  } else {
    json_write::string(out, finish_reason);
  }
  out += options_.include_usage ? R"(}],"usage":null})" "\n\n" : "}]}\n\n";
}

void AnthropicToOpenAiStream::string_chunk(std::string& out, std::string_view key, std::string_view value) {
  std::string& delta = scratch_;
  delta.clear();
  delta += '{';
  json_write::key(delta, key);
  json_write::string(delta, value);
  delta += '}';
  chunk(out, delta);
}

void AnthropicToOpenAiStream::ensure_started(std::string& out) {
  if (!started_) {
    started_ = true;
    chunk(out, R"({"role":"assistant","content":""})");
  }
}

// `text`: the delta's text, partial_json or thinking, as its type says.
void AnthropicToOpenAiStream::on_block_delta(std::int64_t index, std::string_view dtype, std::string_view text,
                                             std::string& out) {
  if (dtype == "text_delta") {
    if (!text.empty()) {
      string_chunk(out, "content", text);
    }
  } else if (dtype == "input_json_delta") {
    if (text.empty() || index < 0 || static_cast<std::size_t>(index) >= tool_slot_by_block_.size() ||
        tool_slot_by_block_[static_cast<std::size_t>(index)] < 0) {
      return;
    }
    std::string& delta = scratch_;
    delta.assign(R"({"tool_calls":[{"index":)");
    json_write::integer(delta, tool_slot_by_block_[static_cast<std::size_t>(index)]);
    delta += R"(,"function":{"arguments":)";
    json_write::string(delta, text);
    delta += "}}]}";
    chunk(out, delta);
  } else if (dtype == "thinking_delta" && options_.include_reasoning) {
    if (!text.empty()) {
      string_chunk(out, "reasoning_content", text);
    }
  }
  // signature_delta, citations_delta and unknown deltas have no Chat equivalent.
}

void AnthropicToOpenAiStream::handle_event(const SseEventView& event, std::string& out) {
  // Events whose data says nothing the translation needs are not parsed at all.
  if (event.event == "content_block_stop") {
    return;  // nothing to say in Chat Completions
  }
  if (event.event == "ping") {
    out += ": ping\n\n";  // keeps idle proxies between us and the client from closing
    return;
  }
  if (event.event == "message_stop") {
    ensure_started(out);
    if (!finish_sent_) {
      finish_sent_ = true;
      chunk(out, "{}", "stop");
    }
    complete(out);
    return;
  }
  if (event.event == "content_block_delta") {
    // Most of a stream: read by a SAX pass. An event whose type says otherwise goes on below.
    thread_local AnthropicDeltaReader reader;
    thread_local AnthropicDelta delta;
    if (reader.read(event.data, delta) && (delta.type == "content_block_delta" || delta.type.empty())) {
      ensure_started(out);
      on_block_delta(delta.index, delta.delta_type, delta.text, out);
      return;
    }
  }
  const json::object* parsed = EventJson::parse(event.data);
  if (parsed == nullptr) {
    emit_error(make_error(ErrorKind::bad_gateway, "upstream sent a malformed stream event",
                          ErrorSource::upstream),
               out);
    return;
  }
  const json::object& ev = *parsed;
  std::string_view type = str_field(ev, "type");
  if (type.empty()) {
    type = event.event;
  }

  namespace w = json_write;
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
    ensure_started(out);
    return;
  }
  if (type == "content_block_start") {
    ensure_started(out);
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
      std::string& delta = scratch_;
      delta.assign(R"({"tool_calls":[{"index":)");
      w::integer(delta, k);
      delta += R"(,"id":)";
      w::string(delta, str_field(*block, "id"));
      delta += R"(,"type":"function","function":{"name":)";
      w::string(delta, str_field(*block, "name"));
      delta += R"(,"arguments":""}}]})";
      chunk(out, delta);
    }
    return;
  }
  if (type == "content_block_delta") {
    const json::object* delta = obj_field(ev, "delta");
    ensure_started(out);
    if (delta != nullptr) {
      const std::string_view dtype = str_field(*delta, "type");
      const std::string_view text = dtype == "text_delta"         ? str_field(*delta, "text")
                                    : dtype == "input_json_delta" ? str_field(*delta, "partial_json")
                                    : dtype == "thinking_delta"   ? str_field(*delta, "thinking")
                                                                  : std::string_view{};
      on_block_delta(int_field(ev, "index", -1), dtype, text, out);
    }
    return;
  }
  if (type == "message_delta") {
    ensure_started(out);
    if (const json::object* usage = obj_field(ev, "usage")) {
      read_usage(*usage);
    }
    const json::object* delta = obj_field(ev, "delta");
    std::string_view stop = delta != nullptr ? str_field(*delta, "stop_reason") : "";
    if (!finish_sent_ && !stop.empty()) {
      finish_sent_ = true;
      chunk(out, "{}", finish_reason_for(stop));
    }
    return;
  }
  if (type == "message_stop") {
    ensure_started(out);
    if (!finish_sent_) {
      finish_sent_ = true;
      chunk(out, "{}", "stop");
    }
    complete(out);
    return;
  }
  // content_block_stop and unknown event types need nothing.
}

void AnthropicToOpenAiStream::complete(std::string& out) {
  if (options_.include_usage) {
    namespace w = json_write;
    const std::int64_t prompt = input_tokens_ + cache_read_ + cache_creation_;
    // The chunk prefix up to its choices, which are empty in the usage chunk.
    out.append(chunk_prefix_, 0, chunk_prefix_.rfind(R"("choices":)"));
    out += R"("choices":[],"usage":{"prompt_tokens":)";
    w::integer(out, prompt);
    out += R"(,"completion_tokens":)";
    w::integer(out, output_tokens_);
    out += R"(,"total_tokens":)";
    w::integer(out, prompt + output_tokens_);
    out += R"(,"prompt_tokens_details":{"cached_tokens":)";
    w::integer(out, cache_read_);
    out += "}}}\n\n";
  }
  out += "data: [DONE]\n\n";
  done_ = true;
}

}  // namespace spillway::dialect
