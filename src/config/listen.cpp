#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "config/config.hpp"

namespace spillway::config {

namespace {

constexpr const char* kExpected = "expected HOST:PORT such as 127.0.0.1:4000 or [::1]:4000";

bool is_ipv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') {
        return false;
      }
      label = 0;
      continue;
    }
    auto c = static_cast<unsigned char>(host[i]);
    if (!std::isalnum(c) && c != '-') {
      return false;
    }
    ++label;
  }
  return true;
}

std::uint16_t parse_port(const std::string& text, std::string_view port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    throw std::invalid_argument("listen address '" + text + "' has a bad port '" + std::string(port) +
                                "'; expected a number from 0 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::pair<std::string, std::uint16_t> parse_listen(const std::string& text) {
  if (text.empty()) {
    throw std::invalid_argument(std::string("listen address is empty; ") + kExpected);
  }
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) {
      throw std::invalid_argument("listen address '" + text + "' has no closing ']'; " + kExpected);
    }
    std::string host = text.substr(1, close - 1);
    if (!is_ipv6(host)) {
      throw std::invalid_argument("listen address '" + text + "': '" + host + "' is not an IPv6 address; " +
                                  kExpected);
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("listen address '" + text + "' has no port; " + kExpected);
    }
    return {host, parse_port(text, std::string_view(text).substr(close + 2))};
  }

  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("listen address '" + text + "' has no port; " + kExpected);
  }
  std::string host = text.substr(0, colon);
  if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("listen address '" + text + "': write IPv6 addresses in brackets; " + kExpected);
  }
  if (host.empty()) {
    throw std::invalid_argument("listen address '" + text + "' has no host (use 0.0.0.0 for all interfaces); " +
                                kExpected);
  }
  bool numeric = std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
  if (numeric ? !is_ipv4(host) : !is_host_name(host)) {
    throw std::invalid_argument("listen address '" + text + "': '" + host + "' is not a valid " +
                                (numeric ? "IPv4 address" : "host name") + "; " + kExpected);
  }
  return {host, parse_port(text, std::string_view(text).substr(colon + 1))};
}

}  // namespace spillway::config
