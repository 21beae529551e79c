// parse_request (both dialects) and rewrite_model on what it accepts.
// Input: 1 settings byte (bit 0: dialect), then the request body.
#include "dialect/request_info.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 1);
  const Dialect dialect = in.settings[0] & 1 ? Dialect::openai : Dialect::anthropic;
  auto parsed = dialect::parse_request(dialect, in.rest);
  const auto* info = std::get_if<dialect::RequestInfo>(&parsed);
  if (!info) {
    fuzz::require(!std::get<ApiError>(parsed).message.empty(), "a refusal says why", in.rest);
    return 0;
  }
  fuzz::require(!info->model.empty(), "an accepted request names a model", in.rest);
  // rewrite_model's contract: on an accepted body, only the model changes.
  const std::string rewritten = dialect::rewrite_model(in.rest, "fuzz/model \"x\"");
  auto again = dialect::parse_request(dialect, rewritten);
  const auto* info2 = std::get_if<dialect::RequestInfo>(&again);
  fuzz::require(info2 != nullptr, "a rewritten body is still accepted", rewritten);
  fuzz::require(info2->model == "fuzz/model \"x\"", "the rewritten body names the new model", rewritten);
  fuzz::require(info2->stream == info->stream && info2->max_tokens == info->max_tokens &&
                    info2->has_tools == info->has_tools && info2->wants_thinking == info->wants_thinking,
                "rewriting the model changes nothing else", rewritten);
  return 0;
}
