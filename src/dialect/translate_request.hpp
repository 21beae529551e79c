#pragma once
// Requests between the Anthropic Messages and OpenAI Chat Completions dialects, through the
// core form (PROTOCOLS.md 3.1 and 3.4). Input that cannot be translated without changing its
// meaning is an invalid_request ApiError (400); fields with no counterpart are dropped.
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/value.hpp>

#include "common/api_error.hpp"
#include "dialect/core.hpp"

namespace spillway::dialect {

std::variant<core::Request, ApiError> parse_anthropic_request(const boost::json::value& body);
std::variant<core::Request, ApiError> parse_openai_request(const boost::json::value& body);

// Chat Completions body for an OpenAI-compatible upstream. Uses `max_tokens` (local servers
// know it; max_completion_tokens is OpenAI-only) and asks for usage when streaming.
std::string emit_openai_request(const core::Request& request, std::string_view upstream_model);

// Messages body: max_tokens defaults to 4096, the first message is user, roles alternate.
std::string emit_anthropic_request(const core::Request& request, std::string_view upstream_model);

}  // namespace spillway::dialect
