#include "dialect/sse.hpp"

namespace spillway::dialect {

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (overflowed_ || bytes.empty()) {
    return out;
  }
  std::size_t i = 0;
  if (last_was_cr_) {
    // The previous feed ended in "\r": a "\n" now completes that same line ending.
    last_was_cr_ = false;
    if (bytes[0] == '\n') {
      i = 1;
    }
  }
  const std::size_t n = bytes.size();
  while (i < n) {
    std::size_t j = i;
    while (j < n && bytes[j] != '\n' && bytes[j] != '\r') {
      ++j;
    }
    // Every byte of a line counts toward the event's cap as it arrives, so the cap trips at the
    // same byte however the input is chunked.
    current_bytes_ += j - i;
    if (current_bytes_ > max_event_bytes_) {
      overflowed_ = true;
      partial_line_.clear();
      partial_line_.shrink_to_fit();
      current_ = SseEvent{};
      has_data_ = false;
      return out;
    }
    if (j == n) {
      partial_line_.append(bytes.substr(i));
      break;
    }
    if (partial_line_.empty()) {
      take_line(bytes.substr(i, j - i), out);
    } else {
      partial_line_.append(bytes.substr(i, j - i));
      take_line(partial_line_, out);
      partial_line_.clear();
    }
    if (bytes[j] == '\r') {
      if (j + 1 < n) {
        if (bytes[j + 1] == '\n') {
          ++j;
        }
      } else {
        last_was_cr_ = true;
      }
    }
    i = j + 1;
  }
  return out;
}

void SseParser::take_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    // A frame with no data line dispatches nothing (the WHATWG rule), e.g. a lone `event:`.
    if (has_data_) {
      out.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    current_bytes_ = 0;
    return;
  }
  if (line.front() == ':') {
    return;  // comment, used as keep-alive
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
