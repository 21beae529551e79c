#pragma once
#include <string>

namespace spillway {

// What went wrong, independent of the dialect it will be rendered in. Every failure a client
// can meet on the request path is one of these; dialect/errors.hpp turns it into the body the
// client's SDK expects.
enum class ErrorKind {
  invalid_request,   // 400: malformed JSON, missing fields
  authentication,    // 401: missing or unknown gateway key
  permission,        // 403
  not_found,         // 404: unknown path or model
  request_too_large, // 413: body over the configured limit
  rate_limit,        // 429
  api_error,         // 500: a gateway bug or an upstream 500
  bad_gateway,       // 502: upstream unreachable or broken
  timeout,           // 504: upstream too slow
  overloaded,        // 529 (Anthropic) / 503: upstream overloaded
};

// Where the fault lies: decides whether trying another upstream can help.
enum class ErrorSource { client, gateway, upstream };

struct ApiError {
  ErrorKind kind = ErrorKind::api_error;
  int status = 500;
  std::string message;
  ErrorSource source = ErrorSource::gateway;
  bool retryable = false;  // another candidate upstream may succeed
  int retry_after_s = -1;  // sent as `retry-after` when >= 0
};

// The status each kind is answered with, unless an upstream gave its own.
int default_status(ErrorKind kind);

ApiError make_error(ErrorKind kind, std::string message, ErrorSource source = ErrorSource::gateway);

}  // namespace spillway
