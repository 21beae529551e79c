// OpenAiToAnthropicStream: an OpenAI-dialect upstream stream, in any chunking, becomes a
// well-formed Anthropic event stream. Input: 2 settings bytes (the chunking, see fuzz::chunks;
// bit 0: end with fail() instead of finish(), bit 1: thinking requested), then the upstream
// body. Checked on every input:
//   - the output is `event: NAME\ndata: JSON\n\n` frames, the JSON an object whose type is NAME;
//   - it starts with message_start (or is only an error), blocks open in index order one at a
//     time, deltas and stops name the open block, and nothing follows message_stop or error;
//   - after finish() or fail() the stream is done and ended by message_stop or error;
//   - the same bytes in one piece give the same output (the contract: any chunking).
#include "dialect/stream_translate.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

namespace {

std::string run(std::string_view body, std::uint8_t seed, bool fail, bool thinking) {
  dialect::OpenAiToAnthropicStream t({"client-model", thinking, 100, "msg_fuzz"});
  std::string out;
  for (auto piece : fuzz::chunks(body, seed)) {
    out += t.feed(piece);
  }
  out += fail ? t.fail(make_error(ErrorKind::bad_gateway, "upstream broke", ErrorSource::upstream)) : t.finish();
  fuzz::require(t.done(), "done after finish() or fail()", out);
  fuzz::require(t.feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n").empty() &&
                    t.finish().empty(),
                "nothing after the end", out);
  return out;
}

void check_frames(std::string_view out) {
  std::size_t pos = 0;
  bool started = false, ended = false, message_delta = false;
  int open = -1, next_index = 0;
  while (pos < out.size()) {
    fuzz::require(!ended, "a frame after message_stop or error", out);
    fuzz::require(out.compare(pos, 7, "event: ") == 0, "a frame starts with event:", out.substr(pos));
    const std::size_t name_end = out.find('\n', pos);
    fuzz::require(name_end != std::string_view::npos, "the event line ends", out.substr(pos));
    const std::string_view name = out.substr(pos + 7, name_end - pos - 7);
    pos = name_end + 1;
    fuzz::require(out.compare(pos, 6, "data: ") == 0, "a data line follows the event line", out.substr(pos));
    const std::size_t data_end = out.find('\n', pos);
    fuzz::require(data_end != std::string_view::npos && data_end + 1 < out.size() && out[data_end + 1] == '\n',
                  "one data line, then a blank line", out.substr(pos));
    const std::string_view data = out.substr(pos + 6, data_end - pos - 6);
    pos = data_end + 2;

    boost::json::value v;
    fuzz::require(fuzz::parses_as_json(data, &v) && v.is_object(), "data is a JSON object", data);
    const auto& o = v.as_object();
    const auto* type = o.if_contains("type");
    fuzz::require(type && type->is_string() && type->as_string() == name, "data.type is the event name", data);
    auto index = [&]() -> int {
      const auto* i = o.if_contains("index");
      fuzz::require(i && i->is_int64(), "a block event has an integer index", data);
      return static_cast<int>(i->as_int64());
    };

    if (name == "error") {
      ended = true;
    } else if (name == "ping") {
      // allowed anywhere after the start
    } else if (name == "message_start") {
      fuzz::require(!started, "one message_start", out);
      started = true;
    } else {
      fuzz::require(started, "message_start comes first", out);
      if (name == "content_block_start") {
        fuzz::require(open == -1, "a block opens while another is open", out);
        fuzz::require(!message_delta, "a block opens after message_delta", out);
        fuzz::require(index() == next_index, "blocks open in index order", out);
        open = next_index++;
      } else if (name == "content_block_delta" || name == "content_block_stop") {
        fuzz::require(open != -1 && index() == open, "a delta or stop names the open block", out);
        if (name == "content_block_stop") {
          open = -1;
        }
      } else if (name == "message_delta") {
        fuzz::require(open == -1 && !message_delta, "one message_delta, with no block open", out);
        message_delta = true;
      } else if (name == "message_stop") {
        fuzz::require(message_delta, "message_stop follows message_delta", out);
        ended = true;
      } else {
        fuzz::require(false, "an unknown event name", out);
      }
    }
  }
  fuzz::require(ended, "the stream ends with message_stop or error", out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 2);
  const bool fail = in.settings[1] & 1;
  const bool thinking = in.settings[1] & 2;
  const std::string split = run(in.rest, in.settings[0], fail, thinking);
  check_frames(split);
  if (in.settings[0] != 0) {
    fuzz::require(run(in.rest, 0, fail, thinking) == split, "the chunking changes the output", in.rest);
  }
  return 0;
}
