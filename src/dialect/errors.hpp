#pragma once
// ApiError rendered the way each dialect's SDKs parse errors.
//   Anthropic: {"type":"error","error":{"type":"invalid_request_error","message":"..."}}
//   OpenAI:    {"error":{"message":"...","type":"invalid_request_error","param":null,"code":null}}
#include <optional>
#include <string>
#include <string_view>

#include "common/api_error.hpp"
#include "common/dialect.hpp"

namespace spillway::dialect {

std::string error_body(Dialect dialect, const ApiError& error);

// The same error as one SSE frame, for a stream that already started: Anthropic sends
// `event: error`, OpenAI a data-only frame carrying {"error":{...}}.
std::string error_event(Dialect dialect, const ApiError& error);

// The error type string each dialect uses for a kind ("rate_limit_error", "not_found_error"...).
std::string_view error_type(Dialect dialect, ErrorKind kind);

// The OpenAI `code` field for an error (Codex keys on it, not on `type`): "invalid_api_key",
// "rate_limit_exceeded", "request_too_large", "model_not_found" (a not_found whose message
// names a model); nullopt renders as null.
std::optional<std::string_view> openai_error_code(const ApiError& error);

}  // namespace spillway::dialect
