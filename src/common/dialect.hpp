#pragma once
#include <optional>
#include <string_view>

namespace spillway {

// The wire format a client or an upstream speaks. A client's dialect is known from the path
// it calls; an upstream's from its `kind` in the config. `responses` (OpenAI's Responses API,
// what Codex speaks) is a client dialect: its requests are translated to an upstream's.
enum class Dialect { anthropic, openai, responses };

constexpr std::string_view to_string(Dialect d) {
  return d == Dialect::anthropic ? "anthropic" : d == Dialect::openai ? "openai" : "responses";
}

constexpr std::optional<Dialect> dialect_from_string(std::string_view s) {
  if (s == "anthropic") {
    return Dialect::anthropic;
  }
  if (s == "openai") {
    return Dialect::openai;
  }
  if (s == "responses") {
    return Dialect::responses;
  }
  return std::nullopt;
}

// The Responses API reports errors in OpenAI's shape ({"error": {message, type, param, code}}).
constexpr Dialect error_dialect(Dialect d) {
  return d == Dialect::responses ? Dialect::openai : d;
}

}  // namespace spillway
