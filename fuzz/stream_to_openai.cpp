// AnthropicToOpenAiStream: an Anthropic-dialect upstream stream, in any chunking, becomes a
// well-formed Chat Completions chunk stream. Input: 2 settings bytes (the chunking, see
// fuzz::chunks; bit 0: end with fail() instead of finish(), bit 1: include_usage, bit 2:
// include_reasoning), then the upstream body. Checked on every input:
//   - the output is `data: X\n\n` frames (or `: comment\n\n`), X a JSON object or [DONE];
//   - every chunk object is a chat.completion.chunk with the fixed id and the client's model;
//   - nothing follows [DONE] or an error frame, and after finish() or fail() the stream is
//     done and ended by one of them;
//   - the same bytes in one piece give the same output (the contract: any chunking).
#include "dialect/stream_translate.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

namespace {

std::string run(std::string_view body, std::uint8_t seed, std::uint8_t flags) {
  dialect::AnthropicToOpenAiStream t({"client-model", (flags & 2) != 0, (flags & 4) != 0, "chatcmpl-fuzz", 1700000000});
  std::string out;
  for (auto piece : fuzz::chunks(body, seed)) {
    out += t.feed(piece);
  }
  out += flags & 1 ? t.fail(make_error(ErrorKind::bad_gateway, "upstream broke", ErrorSource::upstream)) : t.finish();
  fuzz::require(t.done(), "done after finish() or fail()", out);
  fuzz::require(t.feed("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").empty() && t.finish().empty(),
                "nothing after the end", out);
  return out;
}

void check_frames(std::string_view out) {
  std::size_t pos = 0;
  bool ended = false;
  while (pos < out.size()) {
    fuzz::require(!ended, "a frame after [DONE] or an error", out);
    const std::size_t end = out.find("\n\n", pos);
    fuzz::require(end != std::string_view::npos, "a frame ends with a blank line", out.substr(pos));
    const std::string_view frame = out.substr(pos, end - pos);
    pos = end + 2;
    fuzz::require(frame.find('\n') == std::string_view::npos, "a frame is one line", frame);
    if (frame.starts_with(":")) {
      continue;  // a comment (keep-alive)
    }
    fuzz::require(frame.starts_with("data: "), "a frame is a data line", frame);
    const std::string_view data = frame.substr(6);
    if (data == "[DONE]") {
      ended = true;
      continue;
    }
    boost::json::value v;
    fuzz::require(fuzz::parses_as_json(data, &v) && v.is_object(), "data is a JSON object", data);
    const auto& o = v.as_object();
    if (o.contains("error")) {
      ended = true;
      continue;
    }
    const auto* object = o.if_contains("object");
    const auto* id = o.if_contains("id");
    const auto* model = o.if_contains("model");
    fuzz::require(object && object->is_string() && object->as_string() == "chat.completion.chunk",
                  "a chunk is a chat.completion.chunk", data);
    fuzz::require(id && id->is_string() && id->as_string() == "chatcmpl-fuzz", "a chunk has the stream's id", data);
    fuzz::require(model && model->is_string() && model->as_string() == "client-model", "a chunk names the client's model",
                  data);
    const auto* choices = o.if_contains("choices");
    fuzz::require(choices && choices->is_array(), "a chunk has a choices array", data);
  }
  fuzz::require(ended, "the stream ends with [DONE] or an error", out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 2);
  const std::string split = run(in.rest, in.settings[0], in.settings[1]);
  check_frames(split);
  if (in.settings[0] != 0) {
    fuzz::require(run(in.rest, 0, in.settings[1]) == split, "the chunking changes the output", in.rest);
  }
  return 0;
}
