#include "dialect/responses_response.hpp"

#include <algorithm>
#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/wall_clock.hpp"
#include "dialect/anthropic_delta.hpp"
#include "dialect/errors.hpp"
#include "dialect/json_fields.hpp"
#include "dialect/json_write.hpp"

namespace spillway::dialect {

namespace {

namespace json = boost::json;

bool is_custom(const std::vector<std::string>& custom_tools, std::string_view name) {
  return std::find(custom_tools.begin(), custom_tools.end(), name) != custom_tools.end();
}

// Responses semantics: input_tokens includes the cached part, which is also reported apart.
json::object usage_json(std::int64_t input, std::int64_t output, std::int64_t cache_read, std::int64_t cache_write) {
  const std::int64_t all_input = input + cache_read + cache_write;
  return json::object{{"input_tokens", all_input},
                      {"input_tokens_details", json::object{{"cached_tokens", cache_read}}},
                      {"output_tokens", output},
                      {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
                      {"total_tokens", all_input + output}};
}

json::object text_part(std::string_view text) {
  return json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}};
}

json::object message_item(std::string_view id, std::string_view status, json::array content) {
  return json::object{
      {"id", id}, {"type", "message"}, {"status", status}, {"role", "assistant"}, {"content", std::move(content)}};
}

json::object reasoning_item(std::string_view id, json::array summary) {
  return json::object{{"id", id}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

json::object summary_part(std::string_view text) { return json::object{{"type", "summary_text"}, {"text", text}}; }

json::object function_call_item(std::string_view id, std::string_view status, std::string_view call_id,
                                std::string_view name, std::string_view arguments) {
  return json::object{{"id", id},           {"type", "function_call"}, {"status", status},
                      {"call_id", call_id}, {"name", name},            {"arguments", arguments}};
}

json::object custom_call_item(std::string_view id, std::string_view status, std::string_view call_id,
                              std::string_view name, std::string_view input) {
  return json::object{{"id", id},           {"type", "custom_tool_call"}, {"status", status},
                      {"call_id", call_id}, {"name", name},               {"input", input}};
}

// The raw text of a custom tool's call: the "input" string its arguments were wrapped in, or
// the arguments themselves when the model did not follow the wrapping.
std::string custom_input(const json::value& arguments) {
  if (const auto* o = arguments.if_object()) {
    if (const auto* in = o->if_contains("input"); in && in->is_string()) {
      return std::string(in->get_string());
    }
  }
  return json::serialize(arguments);
}

json::object response_object(std::string_view id, std::int64_t created_at, std::string_view status,
                             std::string_view model, json::array output) {
  return json::object{{"id", id},
                      {"object", "response"},
                      {"created_at", created_at},
                      {"status", status},
                      {"error", nullptr},
                      {"incomplete_details", nullptr},
                      {"model", model},
                      {"output", std::move(output)},
                      {"parallel_tool_calls", true},
                      {"tool_choice", "auto"},
                      {"tools", json::array{}},
                      {"store", false},
                      {"usage", nullptr}};
}

std::string_view str_in(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

std::int64_t int_in(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? int64_of(*v).value_or(0) : 0;
}

}  // namespace

json::object responses_error(const ApiError& error) {
  std::string code;
  std::string message = error.message;
  switch (error.kind) {
    case ErrorKind::rate_limit:
      // Codex reads the delay from "try again in Ns".
      code = "rate_limit_exceeded";
      if (error.retry_after_s > 0) {
        message += " (try again in " + std::to_string(error.retry_after_s) + "s)";
      }
      break;
    case ErrorKind::overloaded: code = "server_is_overloaded"; break;
    case ErrorKind::invalid_request: {
      std::string lower = message;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      code = lower.find("context") != std::string::npos || lower.find("too long") != std::string::npos
                 ? "context_length_exceeded"
                 : "invalid_request";
      break;
    }
    default: code = std::string(error_type(Dialect::openai, error.kind));
  }
  return json::object{{"code", code}, {"message", message}};
}

std::string emit_responses_response(const core::Response& response, std::string_view client_model,
                                    const std::vector<std::string>& custom_tools) {
  const std::string id = random_id("resp_");
  json::array output;
  // Items are named after the response, in output order, as in a stream.
  auto item_id = [&](std::string_view prefix) {
    return std::string(prefix) + id.substr(5) + "_" + std::to_string(output.size());
  };
  json::array texts;  // consecutive text blocks make one message
  auto flush_texts = [&] {
    if (!texts.empty()) {
      output.push_back(message_item(item_id("msg_"), "completed", std::move(texts)));
      texts = json::array{};
    }
  };
  for (const auto& b : response.content) {
    switch (b.type) {
      case core::BlockType::text:
        if (!b.text.empty()) {
          texts.push_back(text_part(b.text));
        }
        break;
      case core::BlockType::thinking:
        flush_texts();
        output.push_back(reasoning_item(item_id("rs_"), json::array{summary_part(b.text)}));
        break;
      case core::BlockType::tool_use:
        flush_texts();
        if (is_custom(custom_tools, b.name)) {
          output.push_back(custom_call_item(item_id("ctc_"), "completed", b.id, b.name, custom_input(b.input)));
        } else {
          output.push_back(function_call_item(item_id("fc_"), "completed", b.id, b.name, json::serialize(b.input)));
        }
        break;
      default: break;
    }
  }
  flush_texts();
  const bool cut = response.stop_reason == core::StopReason::max_tokens;
  auto out = response_object(id, unix_seconds(), cut ? "incomplete" : "completed", client_model, std::move(output));
  if (cut) {
    out["incomplete_details"] = json::object{{"reason", "max_output_tokens"}};
  }
  const auto& u = response.usage;
  out["usage"] = usage_json(u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens);
  return json::serialize(out);
}

// ---- streams -------------------------------------------------------------------------------

AnthropicToResponsesStream::AnthropicToResponsesStream(Options options) : options_(std::move(options)) {
  if (options_.response_id.empty()) {
    options_.response_id = random_id("resp_");
  }
  if (options_.created_at == 0) {
    options_.created_at = unix_seconds();
  }
}

// Items are named after the response, in output order: unique, and no randomness per item.
std::string AnthropicToResponsesStream::item_id(std::string_view prefix) const {
  std::string_view base = options_.response_id;
  if (base.starts_with("resp_")) {
    base.remove_prefix(5);
  }
  return std::string(prefix) + std::string(base) + "_" + std::to_string(items_.size());
}

std::string AnthropicToResponsesStream::feed(std::string_view upstream_bytes) {
  std::string out;
  feed(upstream_bytes, out);
  return out;
}

void AnthropicToResponsesStream::feed(std::string_view bytes, std::string& out) {
  if (done_) {
    return;
  }
  SseEventView event;
  while (!done_ && parser_.next(bytes, event)) {
    handle_event(event, out);
  }
  if (parser_.overflowed() && !done_) {
    failed(json::object{{"code", "server_error"}, {"message", "upstream stream event too large"}}, out);
  }
}

std::string AnthropicToResponsesStream::finish() {
  std::string out;
  if (!done_) {
    failed(json::object{{"code", "server_error"}, {"message", "the upstream stream ended before the response completed"}},
           out);
  }
  return out;
}

std::string AnthropicToResponsesStream::fail(const ApiError& error) {
  std::string out;
  if (!done_) {
    failed(responses_error(error), out);
  }
  return out;
}

void AnthropicToResponsesStream::emit(std::string& out, std::string_view type, const json::object& fields) {
  emit_serialized(out, type, json::serialize(fields));
}

// `fields`: a serialized JSON object; type goes first and sequence_number last, as OpenAI
// writes them.
void AnthropicToResponsesStream::emit_serialized(std::string& out, std::string_view type, std::string_view fields) {
  json_write::begin_event(out, type);
  out += "{\"type\":\"";
  out += type;
  out += '"';
  if (fields.size() > 2) {
    out += ',';
    out.append(fields.substr(1, fields.size() - 2));
  }
  out += ",\"sequence_number\":";
  json_write::integer(out, sequence_++);
  out += '}';
  json_write::end_event(out);
}

json::object AnthropicToResponsesStream::item_json(const Item& item) const {
  const std::string_view status = item.done ? "completed" : "in_progress";
  switch (item.kind) {
    case ItemKind::message:
      return message_item(item.id, status, item.done ? json::array{text_part(item.text)} : json::array{});
    case ItemKind::reasoning:
      return reasoning_item(item.id, item.done ? json::array{summary_part(item.text)} : json::array{});
    case ItemKind::function_call:
      return function_call_item(item.id, status, item.call_id, item.name,
                                item.done ? std::string_view(item.text) : std::string_view{});
    case ItemKind::custom_tool_call:
      // Once done, text holds the raw input unwrapped from its arguments (close_item).
      return custom_call_item(item.id, status, item.call_id, item.name,
                              item.done ? std::string_view(item.text) : std::string_view{});
  }
  return {};
}

json::object AnthropicToResponsesStream::snapshot(std::string_view status) const {
  json::array output;
  for (const auto& item : items_) {
    if (item.done) {
      output.push_back(item_json(item));
    }
  }
  return response_object(options_.response_id, options_.created_at, status, options_.client_model, std::move(output));
}

void AnthropicToResponsesStream::start(std::string& out) {
  if (started_) {
    return;
  }
  started_ = true;
  const auto fields = json::serialize(json::object{{"response", snapshot("in_progress")}});
  emit_serialized(out, "response.created", fields);
  emit_serialized(out, "response.in_progress", fields);
}

void AnthropicToResponsesStream::open_item(std::int64_t block, const json::object& content_block, std::string& out) {
  const std::string_view type = str_in(content_block, "type");
  Item item;
  if (type == "text") {
    item.kind = ItemKind::message;
    item.id = item_id("msg_");
  } else if (type == "thinking") {
    item.kind = ItemKind::reasoning;
    item.id = item_id("rs_");
  } else if (type == "tool_use") {
    item.name = std::string(str_in(content_block, "name"));
    item.call_id = std::string(str_in(content_block, "id"));
    const bool custom = is_custom(options_.custom_tools, item.name);
    item.kind = custom ? ItemKind::custom_tool_call : ItemKind::function_call;
    item.id = item_id(custom ? "ctc_" : "fc_");
  } else {
    return;  // redacted thinking, server tools: nothing a Responses client can use
  }
  if (block < 0 || block > 4096) {
    return;
  }
  const auto index = static_cast<std::int64_t>(items_.size());
  if (static_cast<std::size_t>(block) >= item_of_block_.size()) {
    item_of_block_.resize(static_cast<std::size_t>(block) + 1, -1);
  }
  item_of_block_[static_cast<std::size_t>(block)] = index;
  items_.push_back(std::move(item));
  const Item& it = items_.back();
  emit(out, "response.output_item.added", json::object{{"output_index", index}, {"item", item_json(it)}});
  if (it.kind == ItemKind::message) {
    emit(out, "response.content_part.added",
         json::object{{"item_id", it.id}, {"output_index", index}, {"content_index", 0}, {"part", text_part("")}});
  } else if (it.kind == ItemKind::reasoning) {
    emit(out, "response.reasoning_summary_part.added",
         json::object{{"item_id", it.id}, {"output_index", index}, {"summary_index", 0}, {"part", summary_part("")}});
  }
  if (type == "text" || type == "thinking") {
    if (auto initial = str_in(content_block, type); !initial.empty()) {
      delta(block, type == "text" ? "text_delta" : "thinking_delta", initial, out);
    }
  }
}

// A delta event, written straight into `out`: the bulk of every stream (no DOM per token).
// `part_key` is content_index or summary_index ("" for none).
void AnthropicToResponsesStream::emit_delta(std::string& out, std::string_view type, const Item& item,
                                            std::int64_t index, std::string_view part_key, std::string_view text) {
  json_write::begin_event(out, type);
  out += "{\"type\":\"";
  out += type;
  out += "\",\"item_id\":";
  json_write::string(out, item.id);
  out += ",\"output_index\":";
  json_write::integer(out, index);
  if (!part_key.empty()) {
    out += ",\"";
    out += part_key;
    out += "\":0";
  }
  out += ",\"delta\":";
  json_write::string(out, text);
  out += ",\"sequence_number\":";
  json_write::integer(out, sequence_++);
  out += '}';
  json_write::end_event(out);
}

void AnthropicToResponsesStream::delta(std::int64_t block, std::string_view type, std::string_view text,
                                       std::string& out) {
  if (block < 0 || static_cast<std::size_t>(block) >= item_of_block_.size() ||
      item_of_block_[static_cast<std::size_t>(block)] < 0) {
    return;
  }
  const auto index = item_of_block_[static_cast<std::size_t>(block)];
  Item& it = items_[static_cast<std::size_t>(index)];
  if (type == "text_delta" && it.kind == ItemKind::message) {
    it.text += text;
    emit_delta(out, "response.output_text.delta", it, index, "content_index", text);
  } else if (type == "thinking_delta" && it.kind == ItemKind::reasoning) {
    it.text += text;
    emit_delta(out, "response.reasoning_summary_text.delta", it, index, "summary_index", text);
  } else if (type == "input_json_delta") {
    it.text += text;
    if (it.kind == ItemKind::function_call && !text.empty()) {
      emit_delta(out, "response.function_call_arguments.delta", it, index, "", text);
    }
    // A custom tool's raw input is inside a JSON string until the end: sent whole at the stop.
  }
}

void AnthropicToResponsesStream::close_item(std::size_t index, std::string& out) {
  Item& it = items_[index];
  if (it.done) {
    return;
  }
  const auto i = static_cast<std::int64_t>(index);
  switch (it.kind) {
    case ItemKind::message:
      emit(out, "response.output_text.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"content_index", 0}, {"text", it.text}});
      emit(out, "response.content_part.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"content_index", 0}, {"part", text_part(it.text)}});
      break;
    case ItemKind::reasoning:
      emit(out, "response.reasoning_summary_text.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"summary_index", 0}, {"text", it.text}});
      emit(out, "response.reasoning_summary_part.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"summary_index", 0}, {"part", summary_part(it.text)}});
      break;
    case ItemKind::function_call:
      if (it.text.empty()) {
        it.text = "{}";  // a call without arguments (3.8 #1)
      }
      emit(out, "response.function_call_arguments.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"name", it.name}, {"arguments", it.text}});
      break;
    case ItemKind::custom_tool_call: {
      json::error_code ec;
      const auto args = json::parse(it.text, ec);
      if (!ec) {
        it.text = custom_input(args);
      }
      emit(out, "response.custom_tool_call_input.delta",
           json::object{{"item_id", it.id}, {"output_index", i}, {"delta", it.text}});
      emit(out, "response.custom_tool_call_input.done",
           json::object{{"item_id", it.id}, {"output_index", i}, {"input", it.text}});
      break;
    }
  }
  it.done = true;
  emit(out, "response.output_item.done", json::object{{"output_index", i}, {"item", item_json(it)}});
}

void AnthropicToResponsesStream::complete(std::string& out) {
  for (std::size_t i = 0; i < items_.size(); ++i) {
    close_item(i, out);
  }
  const bool cut = stop_reason_ == "max_tokens";
  auto response = snapshot(cut ? "incomplete" : "completed");
  if (cut) {
    response["incomplete_details"] = json::object{{"reason", "max_output_tokens"}};
  }
  response["usage"] = usage_json(input_tokens_, output_tokens_, cache_read_, cache_creation_);
  emit(out, cut ? "response.incomplete" : "response.completed", json::object{{"response", std::move(response)}});
  done_ = true;
}

void AnthropicToResponsesStream::failed(json::object error, std::string& out) {
  start(out);
  auto response = snapshot("failed");
  response["error"] = std::move(error);
  emit(out, "response.failed", json::object{{"response", std::move(response)}});
  done_ = true;
}

void AnthropicToResponsesStream::handle_event(const SseEventView& event, std::string& out) {
  if (event.data.empty() || event.event == "ping") {
    return;
  }
  if (event.event == "content_block_delta") {
    // Most of the stream: read without a DOM.
    thread_local AnthropicDeltaReader reader;
    thread_local AnthropicDelta d;
    if (reader.read(event.data, d) && d.index >= 0 && !d.delta_type.empty()) {
      delta(d.index, d.delta_type, d.text, out);
      return;
    }
  }
  json::error_code ec;
  auto value = json::parse(event.data, ec);
  if (ec || !value.is_object()) {
    failed(json::object{{"code", "server_error"}, {"message", "the upstream sent an event that is not JSON"}}, out);
    return;
  }
  const auto& data = value.get_object();
  const std::string_view type = event.event.empty() ? str_in(data, "type") : event.event;
  auto read_usage = [this](const json::object& u) {
    if (u.contains("input_tokens")) {
      input_tokens_ = int_in(u, "input_tokens");
    }
    if (u.contains("output_tokens")) {
      output_tokens_ = int_in(u, "output_tokens");
    }
    if (u.contains("cache_read_input_tokens")) {
      cache_read_ = int_in(u, "cache_read_input_tokens");
    }
    if (u.contains("cache_creation_input_tokens")) {
      cache_creation_ = int_in(u, "cache_creation_input_tokens");
    }
  };
  auto object_in = [](const json::object& o, std::string_view key) -> const json::object* {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
  };
  if (type == "message_start") {
    if (const auto* message = object_in(data, "message")) {
      if (const auto* usage = object_in(*message, "usage")) {
        read_usage(*usage);
      }
    }
    start(out);
  } else if (type == "content_block_start") {
    start(out);
    if (const auto* block = object_in(data, "content_block")) {
      open_item(int_in(data, "index"), *block, out);
    }
  } else if (type == "content_block_delta") {
    if (const auto* d = object_in(data, "delta")) {
      const auto dtype = str_in(*d, "type");
      const auto text = str_in(*d, dtype == "text_delta"       ? "text"
                                   : dtype == "thinking_delta" ? "thinking"
                                                               : "partial_json");
      delta(int_in(data, "index"), dtype, text, out);
    }
  } else if (type == "content_block_stop") {
    const auto block = int_in(data, "index");
    if (block >= 0 && static_cast<std::size_t>(block) < item_of_block_.size() &&
        item_of_block_[static_cast<std::size_t>(block)] >= 0) {
      close_item(static_cast<std::size_t>(item_of_block_[static_cast<std::size_t>(block)]), out);
    }
  } else if (type == "message_delta") {
    if (const auto* d = object_in(data, "delta")) {
      if (auto reason = str_in(*d, "stop_reason"); !reason.empty()) {
        stop_reason_ = std::string(reason);
      }
    }
    if (const auto* usage = object_in(data, "usage")) {
      read_usage(*usage);
    }
  } else if (type == "message_stop") {
    start(out);
    complete(out);
  } else if (type == "error") {
    const auto* e = object_in(data, "error");
    ApiError error = make_error(ErrorKind::api_error, e ? std::string(str_in(*e, "message")) : "upstream error",
                                ErrorSource::upstream);
    const auto etype = e ? str_in(*e, "type") : std::string_view{};
    if (etype == "rate_limit_error") {
      error.kind = ErrorKind::rate_limit;
    } else if (etype == "overloaded_error") {
      error.kind = ErrorKind::overloaded;
    } else if (etype == "invalid_request_error") {
      error.kind = ErrorKind::invalid_request;
    }
    failed(responses_error(error), out);
  }
  // ping and unknown events: nothing to say
}

}  // namespace spillway::dialect
