#pragma once
// The fields of an Anthropic `content_block_delta` event (most of any stream) that the
// OpenAI-facing stream translator reads, found by a SAX pass over the event's text with no DOM.
// Every other event, and any delta the pass does not cover, goes through the DOM.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace spillway::dialect {

struct AnthropicDelta {
  std::string type;        // the event's `type`
  std::int64_t index = -1;  // -1 when absent or not an int64
  std::string delta_type;  // delta.type: text_delta, input_json_delta, thinking_delta, ...
  std::string text;        // delta.text, delta.partial_json or delta.thinking, by delta_type
};

class AnthropicDeltaReader {
 public:
  AnthropicDeltaReader();
  ~AnthropicDeltaReader();
  AnthropicDeltaReader(const AnthropicDeltaReader&) = delete;
  AnthropicDeltaReader& operator=(const AnthropicDeltaReader&) = delete;

  // False when `text` is not a JSON object (the DOM path then reports it).
  bool read(std::string_view text, AnthropicDelta& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spillway::dialect
