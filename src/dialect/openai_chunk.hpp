#pragma once
// The fields of one OpenAI chat.completion.chunk that the Anthropic-facing stream translator
// reads. A chunk is read by a SAX pass over its text (Boost.JSON's basic_parser, no DOM): a DOM
// per event was most of the cost of a translated stream. Shapes the SAX pass does not cover
// (an error body, tool arguments sent as an object) are left to the DOM reader, from_dom().
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

namespace spillway::dialect {

struct OpenAiChunk {
  struct ToolCall {
    std::int64_t index = -1;  // -1 when absent
    std::string id;
    std::string name;
    std::string arguments;
  };

  bool usage = false;  // a `usage` object came; unset numbers below keep -1
  std::int64_t prompt_tokens = -1;
  std::int64_t completion_tokens = -1;
  std::int64_t cached_tokens = -1;       // usage.prompt_tokens_details.cached_tokens
  std::int64_t cache_write_tokens = -1;  // usage.prompt_tokens_details.cache_write_tokens
  bool has_choice_list = false;          // `choices` is a non-empty array
  bool choice = false;                   // it holds an object with index 0 (or none given)
  // Of that choice (strings that were absent, null or not strings read as ""):
  std::string content;
  std::string refusal;    // a structured-output refusal's text, streamed like content
  std::string reasoning;  // `reasoning_content`, else `reasoning`
  bool finish = false;    // finish_reason was a string
  std::string finish_reason;
  std::vector<ToolCall> tool_calls;  // only the first tool_call_count are valid
  std::size_t tool_call_count = 0;

  void clear();
};

enum class ChunkRead { ok, malformed, needs_dom };

// Reads `text` into `out` (cleared first; its strings keep their capacity). needs_dom: valid
// so far but a shape only from_dom() handles; `out` is then unspecified.
class OpenAiChunkReader {
 public:
  OpenAiChunkReader();
  ~OpenAiChunkReader();
  OpenAiChunkReader(const OpenAiChunkReader&) = delete;
  OpenAiChunkReader& operator=(const OpenAiChunkReader&) = delete;

  ChunkRead read(std::string_view text, OpenAiChunk& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same fields from a parsed chunk that has no `error` member.
void from_dom(const boost::json::object& chunk, OpenAiChunk& out);

}  // namespace spillway::dialect
