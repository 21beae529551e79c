// parse_openai_request + emit_anthropic_request. Input: a Chat Completions request body.
#include "translate_request_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  spillway::fuzz::check_request_translation(spillway::Dialect::openai,
                                            std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
