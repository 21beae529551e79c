#include "dialect/translate_response.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <random>

#include "common/wall_clock.hpp"
#include "dialect/errors.hpp"
#include "dialect/json_fields.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;
using core::Block;
using core::BlockType;
using core::StopReason;

ApiError bad_upstream(std::string message) {
  return make_error(ErrorKind::bad_gateway, std::move(message), ErrorSource::upstream);
}

std::int64_t int_of(const json::object* o, std::string_view key) {
  if (!o) {
    return 0;
  }
  if (auto* v = o->if_contains(key)) {
    return int64_of(*v).value_or(0);
  }
  return 0;
}

const json::object* obj_of(const json::object* o, std::string_view key) {
  if (!o) {
    return nullptr;
  }
  auto* v = o->if_contains(key);
  return (v && v->is_object()) ? &v->get_object() : nullptr;
}

// Anthropic tool ids must match ^[a-zA-Z0-9_-]+$ (3.2).
bool valid_tool_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string_view anthropic_stop(StopReason r) {
  switch (r) {
    case StopReason::end_turn: return "end_turn";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::stop_sequence: return "stop_sequence";
    case StopReason::tool_use: return "tool_use";
    case StopReason::refusal: return "refusal";
    case StopReason::pause_turn: return "pause_turn";
    case StopReason::context_window_exceeded: return "model_context_window_exceeded";
  }
  return "end_turn";
}

std::string_view openai_finish(StopReason r) {
  switch (r) {
    case StopReason::end_turn: return "stop";
    case StopReason::stop_sequence: return "stop";
    case StopReason::pause_turn: return "stop";  // server-tool pause; O has no equivalent
    case StopReason::max_tokens: return "length";
    case StopReason::context_window_exceeded: return "length";
    case StopReason::tool_use: return "tool_calls";
    case StopReason::refusal: return "content_filter";
  }
  return "stop";
}

ErrorKind kind_for_status(int status) {
  switch (status) {
    case 400: return ErrorKind::invalid_request;
    case 401: return ErrorKind::authentication;
    case 403: return ErrorKind::permission;
    case 404: return ErrorKind::not_found;
    case 413: return ErrorKind::request_too_large;
    case 429: return ErrorKind::rate_limit;
    case 503: return ErrorKind::overloaded;
    case 504: return ErrorKind::timeout;
    case 529: return ErrorKind::overloaded;
    default: break;
  }
  if (status >= 500) {
    return ErrorKind::api_error;
  }
  return ErrorKind::invalid_request;  // Anthropic uses it for other 4xx too (1.8)
}

// OpenAI's context overflow says "maximum context length is N tokens ... resulted in M
// tokens"; Claude Code reacts to Anthropic's exact wording (1.8), so rewrite it when both
// numbers are there.
std::string anthropic_context_message(const std::string& message) {
  auto number_after = [&](std::string_view marker) -> std::string {
    auto at = message.find(marker);
    if (at == std::string::npos) {
      return {};
    }
    at += marker.size();
    auto end = message.find_first_not_of("0123456789", at);
    return message.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  std::string limit = number_after("maximum context length is ");
  std::string used = number_after("resulted in ");
  if (!limit.empty() && !used.empty()) {
    return "prompt is too long: " + used + " tokens > " + limit + " maximum";
  }
  // vLLM: "... you requested 9000 tokens (8000 in the messages, 1000 in the completion)". Claude
  // Code reads Anthropic's second form to shrink max_tokens and retry.
  std::string in_messages = number_after("tokens (");
  std::string in_completion = number_after(" in the messages, ");
  if (!limit.empty() && !in_messages.empty() && !in_completion.empty()) {
    return "input length and `max_tokens` exceed context limit: " + in_messages + " + " + in_completion + " > " + limit;
  }
  return message;
}

// llama.cpp says how far over its context a prompt is in fields of its own.
std::string llamacpp_context_message(const json::object& err, const std::string& message) {
  const json::value* prompt = err.if_contains("n_prompt_tokens");
  const json::value* ctx = err.if_contains("n_ctx");
  auto n_prompt = prompt != nullptr ? int64_of(*prompt) : std::nullopt;
  auto n_ctx = ctx != nullptr ? int64_of(*ctx) : std::nullopt;
  if (!n_prompt || !n_ctx) {
    return message;
  }
  return "prompt is too long: " + std::to_string(*n_prompt) + " tokens > " + std::to_string(*n_ctx) + " maximum";
}

}  // namespace

std::variant<core::Response, ApiError> parse_openai_response(const json::value& body) {
  if (!body.is_object()) {
    return bad_upstream("upstream response is not a JSON object");
  }
  const auto& o = body.get_object();
  auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object()) {
    return bad_upstream("upstream response has no choices");
  }
  const auto& choice = choices->get_array()[0].get_object();
  const json::object* message = obj_of(&choice, "message");
  if (!message) {
    return bad_upstream("upstream response choice has no message");
  }
  core::Response out;
  out.id = str_of(o, "id");
  out.model = str_of(o, "model");
  std::string reasoning = str_of(*message, "reasoning_content");
  if (reasoning.empty()) {
    reasoning = str_of(*message, "reasoning");
  }
  if (!reasoning.empty()) {
    Block t;
    t.type = BlockType::thinking;
    t.text = std::move(reasoning);
    out.content.push_back(std::move(t));
  }
  std::string text = str_of(*message, "content");
  if (!text.empty()) {
    Block t;
    t.type = BlockType::text;
    t.text = std::move(text);
    out.content.push_back(std::move(t));
  }
  // A structured-output refusal comes in `refusal`, not `content`: it is the answer's text.
  std::string refusal = str_of(*message, "refusal");
  const bool refused = !refusal.empty();
  if (refused) {
    Block t;
    t.type = BlockType::text;
    t.text = std::move(refusal);
    out.content.push_back(std::move(t));
  }
  bool has_calls = false;
  if (auto* calls = message->if_contains("tool_calls"); calls && calls->is_array()) {
    for (const auto& call : calls->get_array()) {
      if (!call.is_object()) {
        continue;
      }
      const auto& co = call.get_object();
      Block t;
      t.type = BlockType::tool_use;
      t.id = str_of(co, "id");
      if (!valid_tool_id(t.id)) {
        t.id = random_id("toolu_");
      }
      const json::object* fn = obj_of(&co, "function");
      t.name = fn ? str_of(*fn, "name") : "";
      t.input = parse_arguments(fn ? fn->if_contains("arguments") : nullptr);
      out.content.push_back(std::move(t));
      has_calls = true;
    }
  }
  std::string finish = str_of(choice, "finish_reason");
  if (finish == "length") {
    out.stop_reason = StopReason::max_tokens;
  } else if (finish == "tool_calls" || finish == "function_call") {
    out.stop_reason = StopReason::tool_use;
  } else if (finish == "content_filter") {
    out.stop_reason = StopReason::refusal;
  } else {
    out.stop_reason = StopReason::end_turn;
  }
  // Local servers often say "stop" after producing tool calls (3.8 #8).
  if (has_calls && out.stop_reason == StopReason::end_turn) {
    out.stop_reason = StopReason::tool_use;
  }
  if (refused && out.stop_reason == StopReason::end_turn) {
    out.stop_reason = StopReason::refusal;
  }
  const json::object* usage = obj_of(&o, "usage");
  const json::object* details = obj_of(usage, "prompt_tokens_details");
  out.usage.cache_read_input_tokens = int_of(details, "cached_tokens");
  out.usage.cache_creation_input_tokens = int_of(details, "cache_write_tokens");
  out.usage.input_tokens = std::max<std::int64_t>(
      0, int_of(usage, "prompt_tokens") - out.usage.cache_read_input_tokens -
             out.usage.cache_creation_input_tokens);
  out.usage.output_tokens = int_of(usage, "completion_tokens");
  return out;
}

std::variant<core::Response, ApiError> parse_anthropic_response(const json::value& body) {
  if (!body.is_object()) {
    return bad_upstream("upstream response is not a JSON object");
  }
  const auto& o = body.get_object();
  auto* content = o.if_contains("content");
  if (!content || !content->is_array()) {
    return bad_upstream("upstream response has no content array");
  }
  core::Response out;
  out.id = str_of(o, "id");
  out.model = str_of(o, "model");
  for (const auto& item : content->get_array()) {
    if (!item.is_object()) {
      continue;
    }
    const auto& b = item.get_object();
    std::string type = str_of(b, "type");
    Block blk;
    if (type == "text") {
      blk.type = BlockType::text;
      blk.text = str_of(b, "text");
    } else if (type == "thinking") {
      blk.type = BlockType::thinking;
      blk.text = str_of(b, "thinking");
      blk.signature = str_of(b, "signature");
    } else if (type == "tool_use") {
      blk.type = BlockType::tool_use;
      blk.id = str_of(b, "id");
      blk.name = str_of(b, "name");
      auto* input = b.if_contains("input");
      blk.input = (input && input->is_object()) ? *input : json::value(json::object());
    } else {
      continue;  // redacted_thinking, server-tool blocks: no O counterpart
    }
    out.content.push_back(std::move(blk));
  }
  std::string stop = str_of(o, "stop_reason");
  if (stop == "max_tokens") {
    out.stop_reason = StopReason::max_tokens;
  } else if (stop == "stop_sequence") {
    out.stop_reason = StopReason::stop_sequence;
    out.stop_sequence = str_of(o, "stop_sequence");
  } else if (stop == "tool_use") {
    out.stop_reason = StopReason::tool_use;
  } else if (stop == "refusal") {
    out.stop_reason = StopReason::refusal;
  } else if (stop == "pause_turn") {
    out.stop_reason = StopReason::pause_turn;
  } else if (stop == "model_context_window_exceeded") {
    out.stop_reason = StopReason::context_window_exceeded;
  } else {
    out.stop_reason = StopReason::end_turn;
  }
  const json::object* usage = obj_of(&o, "usage");
  out.usage.input_tokens = int_of(usage, "input_tokens");
  out.usage.output_tokens = int_of(usage, "output_tokens");
  out.usage.cache_read_input_tokens = int_of(usage, "cache_read_input_tokens");
  out.usage.cache_creation_input_tokens = int_of(usage, "cache_creation_input_tokens");
  return out;
}

std::string emit_anthropic_response(const core::Response& response, std::string_view client_model) {
  json::object out;
  out["id"] = response.id.starts_with("msg_") ? response.id : random_id("msg_");
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = client_model;
  json::array content;
  for (const Block& b : response.content) {
    switch (b.type) {
      case BlockType::thinking:
        content.push_back(json::object{{"type", "thinking"}, {"thinking", b.text}, {"signature", b.signature}});
        break;
      case BlockType::text:
        if (!b.text.empty()) {
          content.push_back(json::object{{"type", "text"}, {"text", b.text}});
        }
        break;
      case BlockType::tool_use:
        content.push_back(json::object{{"type", "tool_use"}, {"id", b.id}, {"name", b.name},
                                       {"input", b.input.is_object() ? b.input : json::value(json::object())}});
        break;
      default: break;
    }
  }
  out["content"] = std::move(content);
  out["stop_reason"] = anthropic_stop(response.stop_reason);
  if (response.stop_reason == StopReason::stop_sequence && !response.stop_sequence.empty()) {
    out["stop_sequence"] = response.stop_sequence;
  } else {
    out["stop_sequence"] = nullptr;
  }
  out["usage"] = json::object{{"input_tokens", response.usage.input_tokens},
                              {"output_tokens", response.usage.output_tokens},
                              {"cache_creation_input_tokens", response.usage.cache_creation_input_tokens},
                              {"cache_read_input_tokens", response.usage.cache_read_input_tokens}};
  return json::serialize(out);
}

std::string emit_openai_response(const core::Response& response, std::string_view client_model) {
  std::string text;
  std::string reasoning;
  json::array calls;
  for (const Block& b : response.content) {
    if (b.type == BlockType::text) {
      text += b.text;
    } else if (b.type == BlockType::thinking) {
      reasoning += b.text;
    } else if (b.type == BlockType::tool_use) {
      calls.push_back(json::object{
          {"id", b.id},
          {"type", "function"},
          {"function", json::object{{"name", b.name}, {"arguments", json::serialize(b.input)}}}});
    }
  }
  json::object message{{"role", "assistant"}};
  if (text.empty() && !calls.empty()) {
    message["content"] = nullptr;
  } else {
    message["content"] = text;
  }
  if (!reasoning.empty()) {
    message["reasoning_content"] = reasoning;  // non-standard, read by some O clients
  }
  if (!calls.empty()) {
    message["tool_calls"] = std::move(calls);
  }
  const auto& u = response.usage;
  std::int64_t prompt = u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
  json::object out;
  out["id"] = response.id.starts_with("chatcmpl-") ? response.id : random_id("chatcmpl-");
  out["object"] = "chat.completion";
  out["created"] = unix_seconds();
  out["model"] = client_model;
  out["choices"] = json::array{json::object{{"index", 0},
                                            {"message", std::move(message)},
                                            {"finish_reason", openai_finish(response.stop_reason)},
                                            {"logprobs", nullptr}}};
  out["usage"] = json::object{{"prompt_tokens", prompt},
                              {"completion_tokens", u.output_tokens},
                              {"total_tokens", prompt + u.output_tokens},
                              {"prompt_tokens_details", json::object{{"cached_tokens", u.cache_read_input_tokens}}}};
  return json::serialize(out);
}

namespace {

// An upstream body that is not JSON (an HTML error page, a proxy's message) as an error
// message: at most `max` bytes, invalid UTF-8 replaced by U+FFFD so the JSON it goes into
// stays valid for strict parsers.
std::string message_from_raw(std::string_view raw, std::size_t max = 2048) {
  std::string out;
  std::size_t i = 0;
  while (i < raw.size() && out.size() < max) {
    const auto c = static_cast<unsigned char>(raw[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len != 0 && i + len <= raw.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(raw[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len > 1) {
      // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
      const auto c1 = static_cast<unsigned char>(raw[i + 1]);
      ok = !(len == 2 && c < 0xc2) && !(len == 3 && c == 0xe0 && c1 < 0xa0) && !(len == 3 && c == 0xed && c1 >= 0xa0) &&
           !(len == 4 && c == 0xf0 && c1 < 0x90) && !(len == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90)));
    }
    if (ok) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  if (i < raw.size()) {
    out += "...";
  }
  return out;
}

}  // namespace

std::string translate_error_body(Dialect from, Dialect to, int status, std::string_view body) {
  std::string message;
  std::string type;
  std::string code;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* err = nullptr;
  if (!ec && v.is_object()) {
    // {"error": {...}} from most servers; older vLLM puts the fields at the top level.
    err = obj_of(&v.get_object(), "error");
    if (err == nullptr && v.get_object().contains("message")) {
      err = &v.get_object();
    }
    if (err != nullptr) {
      message = str_of(*err, "message");
      type = str_of(*err, "type");
      code = str_of(*err, "code");
    }
  }
  if (message.empty()) {
    const bool raw = (ec || !v.is_object()) && !body.empty();
    message = raw ? message_from_raw(body) : "upstream returned status " + std::to_string(status);
  }
  ErrorKind kind = kind_for_status(status);
  // A 500 that says it is an overload is one (3.2: O overload -> A 529 overloaded_error).
  if (type == "overloaded_error") {
    kind = ErrorKind::overloaded;
  }
  if (from == Dialect::openai && to == Dialect::anthropic) {
    if (type == "exceed_context_size_error" && err != nullptr) {
      message = llamacpp_context_message(*err, message);
    } else if (code == "context_length_exceeded" || message.find("maximum context length is ") != std::string::npos) {
      message = anthropic_context_message(message);
    }
  }
  ApiError error = make_error(kind, std::move(message), ErrorSource::upstream);
  error.status = status;
  return error_body(to, error);
}

}  // namespace spillway::dialect
