#pragma once
// Writing whole responses to a client. Internal to server/.
#include "common/api_error.hpp"
#include "server/worker.hpp"

namespace spillway::server {

// A complete response with a body. Both return whether the connection may carry another request.
// `upstream`: when the body came from an upstream, its name for the x-spillway-upstream header.
asio::awaitable<bool> respond(Client& client, http::status status, std::string_view content_type,
                              std::string body, std::string_view upstream = {});

// The header of a streamed response as bytes, so it can share a write with the first body piece.
std::string header_text(http::response<http::empty_body>& res);

// An error in the caller's dialect, with retry-after when the error carries one.
asio::awaitable<bool> respond_error(Client& client, Dialect dialect, const ApiError& error);

// A model request that cannot be served (no capacity in time, every upstream failed). Codex
// retries neither an HTTP 429 nor a 5xx itself, but waits and retries a Responses stream that
// ends in response.failed with rate_limit_exceeded ("try again in Ns") or a server error: a
// streamed Responses request gets that, with status 200, so the agent's loop goes on; the usage
// record and the status metrics keep the error's own status. Every other request gets
// respond_error().
asio::awaitable<bool> refuse_model_request(Client& client, Dialect dialect, bool stream, std::string_view model,
                                           const ApiError& error);

}  // namespace spillway::server
