#pragma once
// The request translation the server does: parse_request validates the body first (the
// server refuses what it refuses, and translation may rely on it, e.g. for max_tokens), then
// server/translate.cpp parses the JSON with boost::json's defaults, parse_<client>_request,
// emit_<upstream>_request. Whatever the input, a translated body must be a JSON object naming
// the upstream model, and a refusal must be an invalid_request.
#include <boost/json/parse.hpp>

#include "common/dialect.hpp"
#include "dialect/request_info.hpp"
#include "dialect/translate_request.hpp"
#include "fuzz_support.hpp"

namespace spillway::fuzz {

inline void check_request_translation(Dialect client, std::string_view body) {
  if (!std::holds_alternative<dialect::RequestInfo>(dialect::parse_request(client, body))) {
    return;
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) {
    return;
  }
  auto core = client == Dialect::anthropic ? dialect::parse_anthropic_request(value) : dialect::parse_openai_request(value);
  const auto* request = std::get_if<dialect::core::Request>(&core);
  if (!request) {
    require(std::get<ApiError>(core).kind == ErrorKind::invalid_request, "a refused request is invalid_request", body);
    return;
  }
  const std::string out = client == Dialect::anthropic ? dialect::emit_openai_request(*request, "upstream-model")
                                                       : dialect::emit_anthropic_request(*request, "upstream-model");
  boost::json::value emitted;
  require(parses_as_json(out, &emitted), "the translated request is JSON", out);
  require(emitted.is_object(), "the translated request is an object", out);
  const auto* model = emitted.as_object().if_contains("model");
  require(model && model->is_string() && model->as_string() == "upstream-model", "it names the upstream model", out);
}

}  // namespace spillway::fuzz
