#include "dialect/sse.hpp"

#include <cstring>

namespace spillway::dialect {

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

namespace {

// Index of the first '\n' or '\r', or text.size(). memchr is vectorised; a byte loop was the
// largest single cost of a translated stream. '\r' is rare, so it is looked for only before
// the '\n'.
std::size_t line_end(std::string_view text) {
  const char* begin = text.data();
  const void* lf = std::memchr(begin, '\n', text.size());
  const std::size_t limit = lf != nullptr ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : text.size();
  const void* cr = std::memchr(begin, '\r', limit);
  return cr != nullptr ? static_cast<std::size_t>(static_cast<const char*>(cr) - begin) : limit;
}

}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  SseEventView event;
  while (next(bytes, event)) {
    out.push_back(SseEvent{std::string(event.event), std::string(event.data), std::string(event.id)});
  }
  return out;
}

void SseParser::reset_current() {
  current_.event.clear();
  current_.data.clear();
  current_.id.clear();
  has_data_ = false;
  current_bytes_ = 0;
}

bool SseParser::next(std::string_view& input, SseEventView& event) {
  if (dispatched_) {
    dispatched_ = false;
    reset_current();
  }
  if (overflowed_) {
    input = {};
    return false;
  }
  if (last_was_cr_ && !input.empty()) {
    // The previous bytes ended in "\r": a "\n" now completes that same line ending.
    last_was_cr_ = false;
    if (input.front() == '\n') {
      input.remove_prefix(1);
    }
  }
  while (!input.empty()) {
    const std::size_t n = input.size();
    const std::size_t j = line_end(input);
    // Every byte of a line counts toward the event's cap as it arrives, so the cap trips at the
    // same byte however the input is chunked.
    current_bytes_ += j;
    if (current_bytes_ > max_event_bytes_) {
      overflowed_ = true;
      partial_line_.clear();
      partial_line_.shrink_to_fit();
      reset_current();
      input = {};
      return false;
    }
    if (j == n) {
      partial_line_.append(input);
      input = {};
      return false;
    }
    bool complete;
    if (partial_line_.empty()) {
      complete = take_line(input.substr(0, j));
    } else {
      partial_line_.append(input.substr(0, j));
      complete = take_line(partial_line_);
      partial_line_.clear();
    }
    std::size_t consumed = j + 1;
    if (input[j] == '\r') {
      if (j + 1 < n) {
        if (input[j + 1] == '\n') {
          ++consumed;
        }
      } else {
        last_was_cr_ = true;
      }
    }
    input.remove_prefix(consumed);
    if (complete) {
      dispatched_ = true;
      event = SseEventView{current_.event, current_.data, current_.id};
      return true;
    }
  }
  return false;
}

bool SseParser::take_line(std::string_view line) {
  if (line.empty()) {
    // A frame with no data line dispatches nothing (the WHATWG rule), e.g. a lone `event:`.
    if (has_data_) {
      return true;
    }
    reset_current();
    return false;
  }
  if (line.front() == ':') {
    return false;  // comment, used as keep-alive
  }
  std::string_view field = line;
  std::string_view value;
  if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      current_.data += '\n';
    }
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      current_.id.assign(value);
    }
  }
  // `retry:` and unknown fields are ignored, as the SSE spec says.
  return false;
}

std::string encode_sse(std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(event.size() + data.size() + 16);
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  // Every line break in the data (any of the three SSE spellings) starts a new data: line, so
  // the receiver joins them back with "\n".
  std::size_t i = 0;
  while (true) {
    std::size_t j = data.find_first_of("\r\n", i);
    out += "data: ";
    if (j == std::string_view::npos) {
      out += data.substr(i);
      out += '\n';
      break;
    }
    out += data.substr(i, j - i);
    out += '\n';
    if (data[j] == '\r' && j + 1 < data.size() && data[j + 1] == '\n') {
      ++j;
    }
    i = j + 1;
  }
  out += '\n';
  return out;
}

}  // namespace spillway::dialect
