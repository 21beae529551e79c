#pragma once
// Whole (non-streaming) responses and error bodies between the two dialects (PROTOCOLS.md
// 3.2, 3.5, 1.8, 2.4).
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/value.hpp>

#include "common/api_error.hpp"
#include "common/dialect.hpp"
#include "dialect/core.hpp"

namespace spillway::dialect {

std::variant<core::Response, ApiError> parse_openai_response(const boost::json::value& body);
std::variant<core::Response, ApiError> parse_anthropic_response(const boost::json::value& body);

// `client_model` is echoed as the model name (clients match on it). A response without an
// id gets a generated one (msg_... / chatcmpl-...).
std::string emit_anthropic_response(const core::Response& response, std::string_view client_model);
std::string emit_openai_response(const core::Response& response, std::string_view client_model);

// An upstream error body in dialect `from` re-rendered for a client speaking `to`, keeping
// the upstream's message and mapping its type by status. Unparseable bodies keep their text
// as the message.
std::string translate_error_body(Dialect from, Dialect to, int status, std::string_view body);

}  // namespace spillway::dialect
