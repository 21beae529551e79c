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

// An event as next() hands it out: views into the parser, valid until the next call.
struct SseEventView {
  std::string_view event;
  std::string_view data;
  std::string_view id;
};

class SseParser {
 public:
  // Appends bytes; returns the events completed by them, in order. An event's size (all its
  // lines) is capped at max_event_bytes; past that, the parser sets overflowed() and drops input.
  explicit SseParser(std::size_t max_event_bytes = 8u * 1024 * 1024);
  std::vector<SseEvent> feed(std::string_view bytes);

  // The allocation-free form for hot paths: consumes `input` up to the end of the next complete
  // event and returns true with it in `event`; false once `input` is used up (a partial event
  // is kept for the next bytes). Usage: while (p.next(bytes, ev)) {...}
  bool next(std::string_view& input, SseEventView& event);

  bool overflowed() const { return overflowed_; }

 private:
  // Takes one line; true when it completed an event (then held in current_ until next()).
  bool take_line(std::string_view line);
  void reset_current();
  std::string partial_line_;
  SseEvent current_;  // reused: assigning into kept capacity costs no allocation
  bool has_data_ = false;
  bool dispatched_ = false;  // current_ was handed out and is cleared on the next call
  bool last_was_cr_ = false;
  bool overflowed_ = false;
  std::size_t max_event_bytes_;
  std::size_t current_bytes_ = 0;
};

// "event: NAME\ndata: DATA\n\n" (no event line when name is empty). Multi-line data becomes
// several data: lines.
std::string encode_sse(std::string_view event, std::string_view data);

}  // namespace spillway::dialect
