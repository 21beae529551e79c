// translate_error_body: any upstream error body, any status, either direction, becomes a JSON
// error object in the client's dialect. Input: 3 settings bytes (bit 0: from, bit 1: to; then
// the status, 2 bytes big-endian), then the upstream's body.
#include "dialect/translate_response.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 3);
  const Dialect from = in.settings[0] & 1 ? Dialect::openai : Dialect::anthropic;
  const Dialect to = in.settings[0] & 2 ? Dialect::openai : Dialect::anthropic;
  const int status = in.settings[1] << 8 | in.settings[2];
  const std::string out = dialect::translate_error_body(from, to, status, in.rest);
  boost::json::value v;
  // Strict JSON, valid UTF-8 included, whatever bytes the upstream sent.
  fuzz::require(fuzz::parses_as_json(out, &v) && v.is_object(), "the error body is a JSON object", out);
  const auto* error = v.as_object().if_contains("error");
  fuzz::require(error && error->is_object(), "it has an error object", out);
  const auto* message = error->as_object().if_contains("message");
  fuzz::require(message && message->is_string(), "the error has a message string", out);
  if (to == Dialect::anthropic) {
    const auto* type = v.as_object().if_contains("type");
    fuzz::require(type && type->is_string() && type->as_string() == "error", "an Anthropic error says type error", out);
  }
  return 0;
}
