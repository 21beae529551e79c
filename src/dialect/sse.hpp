#pragma once
// Server-Sent Events: an incremental parser that accepts bytes in any chunking, and encoders.
// Pure: no I/O. Framing rules: lines end in \n, \r\n or \r; a blank line ends an event;
// `event:` names it; `data:` lines are joined with \n; lines starting with ':' are comments;
// one optional space after the colon is dropped.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::dialect {

struct SseEvent {
  std::string event;  // "" when the frame had no event: line
  std::string data;
  std::string id;
};

class SseParser {
 public:
  // Appends bytes; returns the events completed by them, in order. An event's size (all its
  // lines) is capped at max_event_bytes; past that, the parser sets overflowed() and drops input.
  explicit SseParser(std::size_t max_event_bytes = 8u * 1024 * 1024);
  std::vector<SseEvent> feed(std::string_view bytes);
  bool overflowed() const { return overflowed_; }

 private:
  void take_line(std::string_view line, std::vector<SseEvent>& out);
  std::string partial_line_;
  SseEvent current_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
  bool overflowed_ = false;
  std::size_t max_event_bytes_;
  std::size_t current_bytes_ = 0;
};

// "event: NAME\ndata: DATA\n\n" (no event line when name is empty). Multi-line data becomes
// several data: lines.
std::string encode_sse(std::string_view event, std::string_view data);

}  // namespace spillway::dialect
