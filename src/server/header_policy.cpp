#include "server/header_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/text.hpp"

namespace spillway::server {

namespace {

// Header names are ASCII: folding case by hand beats libc's locale-aware tolower, which this
// runs for every header of every request against every name in the lists below.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

constexpr std::array hop_by_hop{
    std::string_view{"connection"}, std::string_view{"keep-alive"}, std::string_view{"proxy-connection"},
    std::string_view{"proxy-authenticate"}, std::string_view{"proxy-authorization"}, std::string_view{"te"},
    std::string_view{"trailer"}, std::string_view{"transfer-encoding"}, std::string_view{"upgrade"},
    std::string_view{"content-length"}, std::string_view{"host"},
};

// Credentials for the gateway itself; the upstream's key is put on by the gateway.
// accept-encoding: the gateway reads streams to relay them event by event, so it asks for
// identity bodies. expect: the gateway already read the body.
constexpr std::array request_only{
    std::string_view{"authorization"}, std::string_view{"x-api-key"}, std::string_view{"accept-encoding"},
    std::string_view{"expect"}, std::string_view{"cookie"},
};

bool in_connection_tokens(std::string_view name, std::string_view tokens) {
  while (!tokens.empty()) {
    auto comma = tokens.find(',');
    const auto token = trim_ows(tokens.substr(0, comma));
    if (iequals(token, name)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    tokens.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool forward_request_header(std::string_view name, std::string_view connection_tokens) {
  for (auto h : hop_by_hop) {
    if (iequals(name, h)) {
      return false;
    }
  }
  for (auto h : request_only) {
    if (iequals(name, h)) {
      return false;
    }
  }
  if (istarts_with(name, "x-spillway-")) {
    return false;  // instructions to the gateway, not to the model
  }
  return !in_connection_tokens(name, connection_tokens);
}

bool forward_response_header(std::string_view name) {
  for (auto h : hop_by_hop) {
    if (iequals(name, h)) {
      return false;
    }
  }
  return !iequals(name, "set-cookie");
}

}  // namespace spillway::server
