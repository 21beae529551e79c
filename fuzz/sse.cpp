// SseParser: any chunking of the same bytes yields the same events, from feed() and from the
// allocation-free next() alike; a small event cap (overflow) stays memory-safe.
// Input: 1 settings byte (the chunking, see fuzz::chunks), then the byte stream.
#include "dialect/sse.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

namespace {

std::vector<dialect::SseEvent> parse_all(std::string_view text, std::uint8_t seed) {
  dialect::SseParser parser;
  std::vector<dialect::SseEvent> events;
  for (auto piece : fuzz::chunks(text, seed)) {
    for (auto& e : parser.feed(piece)) {
      events.push_back(std::move(e));
    }
  }
  return events;
}

std::vector<dialect::SseEvent> next_all(std::string_view text, std::uint8_t seed) {
  dialect::SseParser parser;
  std::vector<dialect::SseEvent> events;
  dialect::SseEventView view;
  for (auto piece : fuzz::chunks(text, seed)) {
    while (parser.next(piece, view)) {
      events.push_back({std::string(view.event), std::string(view.data), std::string(view.id)});
    }
    fuzz::require(piece.empty(), "next() returns false only once the input is used up", text);
  }
  return events;
}

void require_same(const std::vector<dialect::SseEvent>& a, const std::vector<dialect::SseEvent>& b,
                  const char* what, std::string_view text) {
  fuzz::require(a.size() == b.size(), what, text);
  for (std::size_t i = 0; i < a.size(); ++i) {
    fuzz::require(a[i].event == b[i].event && a[i].data == b[i].data && a[i].id == b[i].id, what, text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 1);
  const auto whole = parse_all(in.rest, 0);
  require_same(whole, parse_all(in.rest, in.settings[0]), "the chunking changes the events", in.rest);
  require_same(whole, next_all(in.rest, in.settings[0]), "next() and feed() disagree", in.rest);
  {
    dialect::SseParser capped(64);
    for (auto piece : fuzz::chunks(in.rest, in.settings[0])) {
      capped.feed(piece);
    }
  }
  for (std::size_t i = 0; i < whole.size(); ++i) {
    // Line ends end fields: no field can hold one, and only data joins its lines with \n.
    fuzz::require(whole[i].event.find_first_of("\r\n") == std::string::npos, "an event name holds a line end", in.rest);
    fuzz::require(whole[i].data.find('\r') == std::string::npos, "data holds a CR", in.rest);
  }
  return 0;
}
