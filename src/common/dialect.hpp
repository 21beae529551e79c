#pragma once
#include <optional>
#include <string_view>

namespace spillway {

// The wire format a client or an upstream speaks. A client's dialect is known from the path
// it calls; an upstream's from its `kind` in the config.
enum class Dialect { anthropic, openai };

constexpr std::string_view to_string(Dialect d) {
  return d == Dialect::anthropic ? "anthropic" : "openai";
}

constexpr std::optional<Dialect> dialect_from_string(std::string_view s) {
  if (s == "anthropic") {
    return Dialect::anthropic;
  }
  if (s == "openai") {
    return Dialect::openai;
  }
  return std::nullopt;
}

}  // namespace spillway
