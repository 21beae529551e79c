// SseParser: any chunking of the same bytes yields the same events.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 1);
  const auto whole = parse_all(in.rest, 0);
  const auto split = parse_all(in.rest, in.settings[0]);
  fuzz::require(whole.size() == split.size(), "the chunking changes the number of events", in.rest);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    fuzz::require(whole[i].event == split[i].event && whole[i].data == split[i].data && whole[i].id == split[i].id,
                  "the chunking changes an event", in.rest);
    // Line ends end fields: no field can hold one, and only data joins its lines with \n.
    fuzz::require(whole[i].event.find_first_of("\r\n") == std::string::npos, "an event name holds a line end", in.rest);
    fuzz::require(whole[i].data.find('\r') == std::string::npos, "data holds a CR", in.rest);
  }
  return 0;
}
