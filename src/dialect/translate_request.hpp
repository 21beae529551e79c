#pragma once
// Requests between the Anthropic Messages and OpenAI Chat Completions dialects, through the
// core form (PROTOCOLS.md 3.1 and 3.4). Input that cannot be translated without changing its
// meaning is an invalid_request ApiError (400); features with no counterpart are dropped and
// named in the result's `dropped` list (docs/translation.md lists both).
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "common/api_error.hpp"
#include "common/dialect.hpp"
#include "dialect/core.hpp"

namespace spillway::dialect {

struct RequestTranslation {
  std::string body;  // in the upstream's dialect
  // Request features the upstream will not see, named in the client's dialect, each once:
  // what the client's parser found no place for, then what the upstream's dialect lacks.
  std::vector<std::string> dropped;
  // Responses clients: the free-form (custom) tools, whose calls go back as custom_tool_call
  // items with the raw input (responses_response.hpp).
  std::vector<std::string> custom_tools;
};

// parse(client dialect) + emit(upstream dialect). Same-dialect pairs go through the core form
// too (useful for tests); the gateway relays those untouched instead.
std::variant<RequestTranslation, ApiError> translate_request(Dialect client, Dialect upstream,
                                                            const boost::json::value& body,
                                                            std::string_view upstream_model);

// The parsers fill core::Request::dropped.
std::variant<core::Request, ApiError> parse_anthropic_request(const boost::json::value& body);
std::variant<core::Request, ApiError> parse_openai_request(const boost::json::value& body);
// OpenAI Responses (Codex). previous_response_id, conversation and background need state the
// gateway does not keep: refused with a 400 saying so. store is ignored (nothing is stored).
std::variant<core::Request, ApiError> parse_responses_request(const boost::json::value& body);

// Chat Completions body for an OpenAI-compatible upstream. Uses `max_tokens` (local servers
// know it; max_completion_tokens is OpenAI-only) and asks for usage when streaming. Names what
// Chat Completions cannot carry in *dropped when given.
std::string emit_openai_request(const core::Request& request, std::string_view upstream_model,
                                std::vector<std::string>* dropped = nullptr);

// Messages body: max_tokens defaults to 4096, the first message is user, roles alternate.
std::string emit_anthropic_request(const core::Request& request, std::string_view upstream_model,
                                   std::vector<std::string>* dropped = nullptr);

}  // namespace spillway::dialect
