#pragma once
// Which headers cross the gateway. Headers that concern only one hop (connection management,
// the client's own credentials for the gateway, framing the gateway redoes) stop here; all
// others, anthropic-version and anthropic-beta included whatever their value, travel on.
#include <string_view>

namespace spillway::server {

// `connection_tokens` is the value of the request's Connection header: the names it lists are
// hop-by-hop too (RFC 9110 7.6.1).
bool forward_request_header(std::string_view name, std::string_view connection_tokens);
bool forward_response_header(std::string_view name);

}  // namespace spillway::server
