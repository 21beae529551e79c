#pragma once
// The dialect-neutral form of a chat request and of a whole response. Anthropic Messages and
// OpenAI Chat Completions both parse into these structs and are emitted from them, so each
// translation direction is parse(one dialect) + emit(the other) and no pair of dialects needs
// its own code (STYLE.md habit 4). Field meanings follow the Anthropic side, whose model is
// the richer of the two (content blocks, tool results inside user turns, cache accounting).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace spillway::dialect::core {

enum class BlockType { text, image, tool_use, tool_result, thinking };

// One content block. A tool_result's own parts are Blocks too (text or image; O tool
// messages carry text only, so the OpenAI emitter splits images out).
struct Block {
  BlockType type = BlockType::text;
  // text: the text; thinking: the thinking text.
  std::string text;
  // thinking: Anthropic's opaque signature ("" when it did not come from Anthropic).
  std::string signature;
  // image: either base64 data with a media type, or a URL (url non-empty).
  std::string media_type;
  std::string data;
  std::string url;
  // tool_use: id, name, input (a JSON object).
  std::string id;
  std::string name;
  boost::json::value input;
  // tool_result: the tool_use id answered, the result parts (text/image), error flag.
  std::string tool_use_id;
  std::vector<Block> content;
  bool is_error = false;
};

enum class Role { user, assistant };

struct Message {
  Role role = Role::user;
  std::vector<Block> content;
};

struct Tool {
  std::string name;
  std::string description;
  boost::json::value input_schema;  // a JSON Schema object
  std::optional<bool> strict;
  // A Responses free-form tool: its raw text input travels as {"input": text} and is
  // unwrapped again in the Responses answer.
  bool custom = false;
};

enum class ToolChoiceType { auto_, any, none, named };

struct ToolChoice {
  ToolChoiceType type = ToolChoiceType::auto_;
  std::string name;  // for named
};

// Anthropic's `thinking`. OpenAI's reasoning_effort arrives as a budget (parse) and leaves
// as an effort level (emit), so the core form keeps Anthropic's shape.
enum class ThinkingType { enabled, adaptive, disabled };

struct Thinking {
  ThinkingType type = ThinkingType::enabled;
  std::optional<std::int64_t> budget_tokens;  // enabled only
};

// Structured output: the reply must be JSON matching `schema` (Anthropic output_config.format,
// OpenAI response_format json_schema).
struct OutputSchema {
  std::string name;  // OpenAI's json_schema.name; Anthropic has none
  boost::json::value schema;
};

struct Request {
  std::string model;
  std::vector<std::string> system;  // system text parts, in order
  std::vector<Message> messages;
  std::vector<Tool> tools;
  std::optional<ToolChoice> tool_choice;
  bool disable_parallel_tool_use = false;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::vector<std::string> stop_sequences;
  bool stream = false;
  std::string user;  // metadata.user_id / user
  std::optional<std::int64_t> top_k;
  std::optional<Thinking> thinking;
  std::string effort;  // Anthropic output_config.effort (low ... max); "" when not given
  std::optional<OutputSchema> output_schema;
  // Features of the client's request that the core form has no place for, by name in the
  // client's dialect ("cache_control", "context_management", "logprobs"...), each once, in the
  // order met. The emitters add what the upstream's dialect cannot express.
  std::vector<std::string> dropped;
};

enum class StopReason {
  end_turn,
  max_tokens,
  stop_sequence,
  tool_use,
  refusal,
  pause_turn,
  context_window_exceeded,
};

struct Usage {
  // Anthropic semantics: input_tokens excludes cache reads and writes.
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;
};

struct Response {
  std::string id;
  std::string model;
  std::vector<Block> content;  // text, thinking, tool_use
  StopReason stop_reason = StopReason::end_turn;
  std::string stop_sequence;  // the matched stop string when known
  Usage usage;
};

}  // namespace spillway::dialect::core
