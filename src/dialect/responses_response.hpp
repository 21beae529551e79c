#pragma once
// Answers for a client speaking OpenAI's Responses API (Codex), from an upstream that speaks
// Messages or Chat Completions (PROTOCOLS.md 2.6 and 3.7). A whole answer is emitted from the
// core form; a stream is translated from Anthropic Messages events (a Chat Completions stream
// goes through OpenAiToAnthropicStream first), so each dialect has one mapping to and from the
// others, not one per pair.
//
// Output items: text becomes a `message` item, thinking a `reasoning` item with a summary,
// tool_use a `function_call` (or, for the request's custom tools, a `custom_tool_call` whose
// `input` is the raw text unwrapped from {"input": ...}). A length stop ends the response as
// `incomplete` (reason max_output_tokens); failures as `failed` with an error code Codex knows.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/api_error.hpp"
#include "dialect/core.hpp"
#include "dialect/sse.hpp"

namespace spillway::dialect {

std::string emit_responses_response(const core::Response& response, std::string_view client_model,
                                    const std::vector<std::string>& custom_tools);

// The error object of a failed response: {code, message}, with the codes Codex acts on
// (rate_limit_exceeded with "try again in Ns", context_length_exceeded, insufficient_quota).
boost::json::object responses_error(const ApiError& error);

// Client speaks Responses, upstream speaks Anthropic Messages (events in any chunking). Same
// contract as the translators in stream_translate.hpp: feed() returns complete client events,
// finish() at the upstream's end of body, fail() when it broke; a terminal event ends it.
class AnthropicToResponsesStream {
 public:
  struct Options {
    std::string client_model;
    std::vector<std::string> custom_tools;
    std::string response_id;     // "" = resp_<random>; fixed in tests
    std::int64_t created_at = 0;  // 0 = now
  };

  explicit AnthropicToResponsesStream(Options options);

  std::string feed(std::string_view upstream_bytes);
  void feed(std::string_view upstream_bytes, std::string& out);
  // Without message_stop the response did not complete: response.failed (Codex would otherwise
  // wait for a terminal event that never comes).
  std::string finish();
  std::string fail(const ApiError& error);

  bool done() const { return done_; }
  // Anthropic semantics (input excludes cache), as the upstream reported them.
  std::int64_t input_tokens() const { return input_tokens_; }
  std::int64_t output_tokens() const { return output_tokens_; }
  std::int64_t cache_read_input_tokens() const { return cache_read_; }
  std::int64_t cache_creation_input_tokens() const { return cache_creation_; }

 private:
  enum class ItemKind { message, reasoning, function_call, custom_tool_call };
  struct Item {
    ItemKind kind;
    std::string id;
    std::string call_id;
    std::string name;
    std::string text;  // the text, the reasoning summary or the arguments so far (a custom
                       // tool's raw input once done)
    bool done = false;
  };

  void handle_event(const SseEventView& event, std::string& out);
  void start(std::string& out);
  void open_item(std::int64_t block, const boost::json::object& content_block, std::string& out);
  void delta(std::int64_t block, std::string_view type, std::string_view text, std::string& out);
  void emit_delta(std::string& out, std::string_view type, const Item& item, std::int64_t index,
                  std::string_view part_key, std::string_view text);
  void close_item(std::size_t item, std::string& out);
  void complete(std::string& out);
  void failed(boost::json::object error, std::string& out);
  // One event: `type` and sequence_number are added to `data`.
  void emit(std::string& out, std::string_view type, const boost::json::object& fields);
  void emit_serialized(std::string& out, std::string_view type, std::string_view fields);
  boost::json::object snapshot(std::string_view status) const;
  boost::json::object item_json(const Item& item) const;
  std::string item_id(std::string_view prefix) const;

  Options options_;
  SseParser parser_;
  bool started_ = false;
  bool done_ = false;
  std::int64_t sequence_ = 0;
  std::vector<Item> items_;             // by output index
  std::vector<std::int64_t> item_of_block_;  // Anthropic block index -> item, -1 for none
  std::string stop_reason_;
  std::int64_t input_tokens_ = 0;
  std::int64_t output_tokens_ = 0;
  std::int64_t cache_read_ = 0;
  std::int64_t cache_creation_ = 0;
};

}  // namespace spillway::dialect
