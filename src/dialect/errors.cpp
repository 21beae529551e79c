#include "dialect/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

std::string_view anthropic_type(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_request: return "invalid_request_error";
    case ErrorKind::authentication: return "authentication_error";
    case ErrorKind::permission: return "permission_error";
    case ErrorKind::not_found: return "not_found_error";
    case ErrorKind::request_too_large: return "request_too_large";
    case ErrorKind::rate_limit: return "rate_limit_error";
    case ErrorKind::api_error: return "api_error";
    case ErrorKind::bad_gateway: return "api_error";
    case ErrorKind::timeout: return "timeout_error";
    case ErrorKind::overloaded: return "overloaded_error";
  }
  return "api_error";
}

std::string_view openai_type(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_request: return "invalid_request_error";
    case ErrorKind::authentication: return "authentication_error";
    case ErrorKind::permission: return "permission_error";
    case ErrorKind::not_found: return "invalid_request_error";
    case ErrorKind::request_too_large: return "invalid_request_error";
    case ErrorKind::rate_limit: return "rate_limit_error";
    case ErrorKind::api_error: return "server_error";
    case ErrorKind::bad_gateway: return "server_error";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::overloaded: return "server_error";
  }
  return "server_error";
}

}  // namespace

std::string_view error_type(Dialect dialect, ErrorKind kind) {
  return dialect == Dialect::anthropic ? anthropic_type(kind) : openai_type(kind);
}

std::optional<std::string_view> openai_error_code(const ApiError& error) {
  switch (error.kind) {
    case ErrorKind::authentication: return "invalid_api_key";
    case ErrorKind::request_too_large: return "request_too_large";
    case ErrorKind::rate_limit: return "rate_limit_exceeded";
    case ErrorKind::not_found:
      // A 404 is either an unknown path or an unknown model; only the latter has a code in
      // OpenAI's API, and the gateway's messages for it always name the model.
      if (error.message.find("model") != std::string::npos) {
        return "model_not_found";
      }
      return std::nullopt;
    default: return std::nullopt;
  }
}

namespace {

json::object error_object(Dialect dialect, const ApiError& error) {
  std::string_view type = error_type(dialect, error.kind);
  json::object inner;
  if (dialect == Dialect::anthropic) {
    inner["type"] = json::string_view(type.data(), type.size());
    inner["message"] = error.message;
    json::object outer;
    outer["type"] = "error";
    outer["error"] = std::move(inner);
    return outer;
  }
  inner["message"] = error.message;
  inner["type"] = json::string_view(type.data(), type.size());
  inner["param"] = nullptr;
  if (auto code = openai_error_code(error)) {
    inner["code"] = json::string_view(code->data(), code->size());
  } else {
    inner["code"] = nullptr;
  }
  json::object outer;
  outer["error"] = std::move(inner);
  return outer;
}

}  // namespace

std::string error_body(Dialect dialect, const ApiError& error) {
  return json::serialize(error_object(dialect, error));
}

std::string error_event(Dialect dialect, const ApiError& error) {
  if (dialect == Dialect::responses) {
    // The Responses stream's own error event: the fields at the top level, named by type.
    const auto code = openai_error_code(error);
    json::object e{{"type", "error"},
                   {"code", code ? json::value(json::string_view(code->data(), code->size())) : json::value(nullptr)},
                   {"message", error.message},
                   {"param", nullptr},
                   {"sequence_number", 0}};
    return "event: error\ndata: " + json::serialize(e) + "\n\n";
  }
  std::string body = error_body(dialect, error);
  std::string out;
  out.reserve(body.size() + 32);
  if (dialect == Dialect::anthropic) {
    out += "event: error\n";
  }
  out += "data: ";
  out += body;
  out += "\n\n";
  return out;
}

}  // namespace spillway::dialect
