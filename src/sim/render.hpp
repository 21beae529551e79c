#pragma once
// Reply bodies in each provider's wire format, written the way the real services write them
// (PROTOCOLS.md 1.4, 1.5, 1.8, 2.2, 2.3, 2.4). Pure text building: no I/O, no clocks except the
// `created` stamp the caller passes in.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dialect.hpp"
#include "sim/reply_plan.hpp"

namespace spillway::sim {

// A reply cut into output tokens. Text splits into words, each keeping the whitespace that
// follows it, so the pieces concatenate back to the text; tool arguments split into at least
// three fragments. `max_tokens` > 0 truncates text (stop reason max_tokens / length).
struct ReplyTokens {
  std::vector<std::string_view> pieces;  // views into the plan's text or tool_input
  bool truncated = false;
};
ReplyTokens tokenize(const ReplyPlan& plan, std::int64_t max_tokens);

struct ReplyContext {
  Dialect dialect = Dialect::anthropic;
  std::string_view model;
  std::string_view id;       // msg_... / chatcmpl-...
  std::string_view tool_id;  // toolu_... / call_...
  std::int64_t input_tokens = 0;
  // Prompt-cache usage to report (x-mock-cache-read / x-mock-cache-write headers).
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t created = 0;  // unix seconds (OpenAI)
  bool include_usage = false;
};

// The non-streaming body (a message / chat.completion object).
void render_json(std::string& out, const ReplyContext& ctx, const ReplyPlan& plan,
                 const ReplyTokens& tokens);

// The SSE stream, all of it, into `out`; `token_ends[i]` is where the frames of output token
// i end, so the caller can pace them: the frames before the first token (message_start,
// block start, ping / the role chunk) travel with token 0 and the closing frames with the
// last token. A reply with no tokens has one entry covering everything.
void render_stream(std::string& out, std::vector<std::size_t>& token_ends, const ReplyContext& ctx,
                   const ReplyPlan& plan, const ReplyTokens& tokens);

// The dialect's error object for `status` (type and code chosen the way the provider would).
// `openai_type` overrides OpenAI's error.type (a 429 says "requests" or "tokens").
void render_error(std::string& out, Dialect dialect, int status, std::string_view message,
                  std::string_view request_id, std::string_view openai_type = {});

// GET /v1/models.
void render_models(std::string& out, Dialect dialect);

// POST /v1/messages/count_tokens.
void render_count_tokens(std::string& out, std::int64_t input_tokens);

}  // namespace spillway::sim
