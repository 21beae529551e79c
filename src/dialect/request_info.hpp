#pragma once
// What the gateway needs to know about a request, read from its JSON body without changing
// the bytes. The body itself passes through untouched (except the model name, see
// rewrite_model) when client and upstream speak the same dialect.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/api_error.hpp"
#include "common/dialect.hpp"

namespace spillway::dialect {

struct RequestInfo {
  std::string model;
  bool stream = false;
  std::int64_t max_tokens = 0;  // max_tokens / max_completion_tokens / max_output_tokens, 0 if absent
  std::int64_t input_token_estimate = 0;  // rough: bytes of message content / 4
  bool has_tools = false;
  bool wants_thinking = false;
};

// Parses `body` as a request of `dialect`. Malformed JSON -> invalid_request naming the byte
// offset of the error; a body that is not an object, or a missing/empty/non-string "model" ->
// invalid_request saying so. Nesting deeper than 128 levels is refused.
std::variant<RequestInfo, ApiError> parse_request(Dialect dialect, std::string_view body);

// Returns `body` with the value of its top-level "model" member replaced by `model` (JSON
// escaped), every other byte kept as it was. Precondition: parse_request accepted `body`.
std::string rewrite_model(std::string_view body, std::string_view model);

// Returns `body` with its output limit at most `ceiling`: a larger max_tokens (OpenAI: also
// max_completion_tokens; Responses: max_output_tokens) lowered to it, an absent one added.
// Other bytes are kept.
// Precondition: parse_request accepted `body`.
std::string cap_max_tokens(Dialect dialect, std::string_view body, std::int64_t ceiling);

}  // namespace spillway::dialect
