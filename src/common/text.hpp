#pragma once
// Small text helpers for HTTP header values, shared by the gateway and the simulator.
#include <string_view>

namespace spillway {

// Strips HTTP "optional whitespace" (spaces and tabs) from both ends (RFC 9110 5.6.3).
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace spillway
