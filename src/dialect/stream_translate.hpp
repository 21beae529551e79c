#pragma once
// Streaming translators between the Anthropic Messages SSE dialect and OpenAI Chat Completions
// chunks (PROTOCOLS.md 3.3 and 3.6). Pure: bytes in, bytes out, no I/O, no clock reads except
// defaults, so each can be fed an upstream body one byte at a time in tests.
//
// Contract shared by both: feed() takes upstream body bytes in any chunking and returns the
// complete client frames they produced (possibly ""); finish() is called once at upstream end
// of body; fail() when the upstream connection broke or the gateway gave up. After a terminal
// frame (message_stop / [DONE] / an error) every later call returns "".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/api_error.hpp"
#include "dialect/sse.hpp"

namespace spillway::dialect {

// Client speaks Anthropic, upstream speaks OpenAI Chat Completions.
class OpenAiToAnthropicStream {
 public:
  struct Options {
    std::string client_model;         // echoed in message_start (clients match on it)
    bool thinking_requested = false;  // reasoning deltas become a thinking block, else dropped
    std::int64_t input_token_estimate = 0;  // message_start input_tokens until real usage comes
    std::string message_id;           // "" = generate msg_<random>; fixed in tests
  };

  explicit OpenAiToAnthropicStream(Options options);

  std::string feed(std::string_view upstream_bytes);
  // The same, appending to `out` (whose memory a relay reuses from piece to piece).
  void feed(std::string_view upstream_bytes, std::string& out);
  // Upstream body ended: completes the message, or sends an error event when a tool call was
  // cut half-way (rule 8).
  std::string finish();
  // Upstream failed mid-stream: `event: error`, never followed by message_stop (rule 7).
  std::string fail(const ApiError& error);

  bool done() const { return done_; }
  // Usage as sent in the final message_delta (Anthropic semantics: input excludes cache).
  // Before upstream usage arrives these hold the estimate and a byte-based output guess.
  std::int64_t input_tokens() const;
  std::int64_t output_tokens() const;
  std::int64_t cache_read_input_tokens() const { return cache_read_; }
  std::int64_t cache_creation_input_tokens() const { return cache_creation_; }
  bool usage_reported() const { return usage_seen_; }

 private:
  enum class Block { none, text, thinking, tool };
  struct ToolCall {
    std::string id;
    std::string name;
    std::int64_t o_index = -1;  // upstream index, -1 when absent
    int a_index = -1;           // Anthropic block index once opened
    bool closed = false;
    std::string buffered;       // fragments received while another block was open
    // Brace/string tracking over all arguments, to tell a complete JSON value.
    int depth = 0;
    bool started = false;
    bool in_string = false;
    bool escape = false;
    bool complete() const { return started && depth == 0 && !in_string; }
  };

  void handle_event(const SseEventView& event, std::string& out);
  void handle_chunk(std::string_view data, std::string& out);
  void ensure_started(std::string& out);
  void close_block(std::string& out);
  void open_text(std::string& out);
  void open_thinking(std::string& out);
  void open_tool(std::size_t call, std::string& out);
  void tool_fragment(std::size_t call, std::string_view fragment, std::string& out);
  // Which call a tool_calls entry belongs to: by id when present (indexes get reused), else
  // the latest call with that index, else the latest call.
  std::size_t find_or_add_call(std::string_view id, std::int64_t o_index, std::string_view name);
  void finalize(std::string& out);
  void emit_error(const ApiError& error, std::string& out);
  void end_without_finish(std::string& out);
  void advance(std::string& out);
  void flush_all(std::string& out);
  // content_block_delta of the open block: {"type": type, field: value}.
  void emit_delta(std::string_view type, std::string_view field, std::string_view value, std::string& out) const;
  void emit_block_start(std::string_view type, std::string_view rest, std::string& out) const;
  std::string_view stop_reason() const;

  Options options_;
  SseParser parser_;
  bool started_ = false;
  bool done_ = false;
  Block open_ = Block::none;
  int open_index_ = -1;
  std::size_t open_call_ = 0;
  int next_index_ = 0;
  std::vector<ToolCall> calls_;
  std::string finish_reason_;
  bool finish_seen_ = false;
  bool usage_seen_ = false;
  bool refused_ = false;  // the upstream streamed a structured-output refusal
  std::int64_t prompt_tokens_ = 0;
  std::int64_t completion_tokens_ = 0;
  std::int64_t cache_read_ = 0;
  std::int64_t cache_creation_ = 0;
  std::int64_t emitted_bytes_ = 0;  // for the output guess when upstream never reports usage
};

// Client speaks OpenAI Chat Completions, upstream speaks Anthropic Messages.
class AnthropicToOpenAiStream {
 public:
  struct Options {
    std::string client_model;
    bool include_usage = false;       // stream_options.include_usage from the client
    bool include_reasoning = true;    // thinking_delta -> delta.reasoning_content
    std::string completion_id;        // "" = chatcmpl-<random>
    std::int64_t created = 0;         // 0 = now
  };

  explicit AnthropicToOpenAiStream(Options options);

  std::string feed(std::string_view upstream_bytes);
  // The same, appending to `out` (whose memory a relay reuses from piece to piece).
  void feed(std::string_view upstream_bytes, std::string& out);
  // Upstream body ended: [DONE] if the message completed (or at least its message_delta came),
  // else an error frame.
  std::string finish();
  std::string fail(const ApiError& error);

  bool done() const { return done_; }
  // Anthropic semantics (input excludes cache), as the upstream reported them.
  std::int64_t input_tokens() const { return input_tokens_; }
  std::int64_t output_tokens() const { return output_tokens_; }
  std::int64_t cache_read_input_tokens() const { return cache_read_; }
  std::int64_t cache_creation_input_tokens() const { return cache_creation_; }

 private:
  void handle_event(const SseEventView& event, std::string& out);
  void on_block_delta(std::int64_t index, std::string_view dtype, std::string_view text, std::string& out);
  // One chat.completion.chunk around `delta` (JSON text).
  void chunk(std::string& out, std::string_view delta, std::string_view finish_reason = {});
  void string_chunk(std::string& out, std::string_view key, std::string_view value);  // delta {key: value}
  void ensure_started(std::string& out);
  void complete(std::string& out);
  void emit_error(const ApiError& error, std::string& out);

  Options options_;
  std::string chunk_prefix_;  // `data: {"id":...,"choices":[{"index":0,"delta":` of every chunk
  std::string scratch_;       // a delta being built, reused
  SseParser parser_;
  bool started_ = false;
  bool done_ = false;
  bool finish_sent_ = false;
  std::vector<int> tool_slot_by_block_;  // Anthropic block index -> tool call k, -1 otherwise
  std::vector<char> thinking_block_;     // Anthropic block index -> is a thinking block
  int next_tool_ = 0;
  std::int64_t input_tokens_ = 0;
  std::int64_t output_tokens_ = 0;
  std::int64_t cache_read_ = 0;
  std::int64_t cache_creation_ = 0;
};

}  // namespace spillway::dialect
