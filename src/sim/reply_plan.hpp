#pragma once
// What the simulator will answer, decided before any byte is written: a text reply, a tool
// call, or an error. Plans come from the request's x-mock-* headers, the --script file, the
// "call tool NAME" convention, or the default --reply text (in that order of precedence).
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/dialect.hpp"

namespace spillway::sim {

struct ReplyPlan {
  enum class Kind { text, tool, error };
  Kind kind = Kind::text;
  std::string text;        // text: the reply; error: the message
  std::string tool_name;   // tool
  std::string tool_input;  // tool: compact JSON object text
  int status = 0;          // error: HTTP status
};

// Reads a script file: a JSON array whose entries are {"text": "..."}, {"tool": "NAME",
// "input": {...}} or {"status": N, "message"?: "..."}. Throws std::runtime_error naming the
// file and entry on any problem (start-up only).
std::vector<ReplyPlan> load_script(const std::string& path);

// `NAME <json-args>` from an x-mock-tool-call header; args default to {}. Returns nullopt when
// the name is missing or the arguments are not a JSON object.
std::optional<ReplyPlan> parse_tool_call_header(std::string_view value);

// The parts of a generation request the simulator looks at.
struct MockRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;     // OpenAI stream_options.include_usage
  std::int64_t max_tokens = 0;    // 0: no cap
  std::int64_t input_tokens = 0;  // ceil(bytes of compact messages+system+tools JSON / 4)
  bool has_tools = false;
  std::string last_user_text;     // text blocks of the final message when it is the user's
};

// Parses a Messages / Chat Completions / Responses / count_tokens body. Returns the error message for a
// 400 when the body is not a JSON object or lacks a string "model".
std::variant<MockRequest, std::string> parse_mock_request(std::string_view body);

// Everything besides the body that decides a generation request's reply.
struct PlanSources {
  std::string_view status_header;     // x-mock-status
  std::string_view tool_call_header;  // x-mock-tool-call
  std::string_view reply_header;      // x-mock-reply
  bool overloaded_roll = false;       // the --fail-529-rate draw came up
  bool internal_error_roll = false;   // the --fail-500-rate draw came up
  Dialect dialect = Dialect::anthropic;
  const std::vector<ReplyPlan>* script = nullptr;  // --script entries, used in turn
  std::atomic<std::uint64_t>* script_next = nullptr;
  std::string_view default_reply;     // --reply
};

// The first rule that applies wins: x-mock-status, the forced failures, x-mock-tool-call,
// x-mock-reply, the script, "call tool NAME", the default text. Returns false (and leaves
// `plan` unspecified) when x-mock-tool-call is unusable, which deserves a 400.
bool choose_plan(const PlanSources& sources, const MockRequest& request, ReplyPlan& plan);

// "call tool NAME" in the last user message of a request that offers tools -> a call to NAME
// with {"input": <that message's text>}.
std::optional<ReplyPlan> tool_call_from_text(const MockRequest& request);

}  // namespace spillway::sim
