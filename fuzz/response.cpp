// Whole responses: parse_openai_response + emit_anthropic_response, or parse_anthropic_response
// + emit_openai_response, as relay_translated does. Input: 1 settings byte (bit 0: the
// upstream's dialect), then the upstream's response body.
#include <boost/json/parse.hpp>

#include "dialect/translate_response.hpp"
#include "fuzz_support.hpp"

using namespace spillway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input in(data, size, 1);
  const Dialect upstream = in.settings[0] & 1 ? Dialect::anthropic : Dialect::openai;
  boost::system::error_code ec;
  auto value = boost::json::parse(in.rest, ec);
  if (ec) {
    return 0;
  }
  auto core = upstream == Dialect::openai ? dialect::parse_openai_response(value) : dialect::parse_anthropic_response(value);
  const auto* response = std::get_if<dialect::core::Response>(&core);
  if (!response) {
    return 0;
  }
  const std::string out = upstream == Dialect::openai ? dialect::emit_anthropic_response(*response, "client-model")
                                                      : dialect::emit_openai_response(*response, "client-model");
  boost::json::value emitted;
  fuzz::require(fuzz::parses_as_json(out, &emitted) && emitted.is_object(), "the translated response is a JSON object", out);
  const auto* model = emitted.as_object().if_contains("model");
  fuzz::require(model && model->is_string() && model->as_string() == "client-model", "it names the client's model", out);
  return 0;
}
