#include "common/api_error.hpp"

namespace spillway {

int default_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_request: return 400;
    case ErrorKind::authentication: return 401;
    case ErrorKind::permission: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::request_too_large: return 413;
    case ErrorKind::rate_limit: return 429;
    case ErrorKind::api_error: return 500;
    case ErrorKind::bad_gateway: return 502;
    case ErrorKind::timeout: return 504;
    case ErrorKind::overloaded: return 529;
  }
  return 500;
}

ApiError make_error(ErrorKind kind, std::string message, ErrorSource source) {
  ApiError e;
  e.kind = kind;
  e.status = default_status(kind);
  e.message = std::move(message);
  e.source = source;
  e.retryable = source == ErrorSource::upstream &&
                (kind == ErrorKind::bad_gateway || kind == ErrorKind::rate_limit ||
                 kind == ErrorKind::overloaded || kind == ErrorKind::api_error);
  return e;
}

}  // namespace spillway
