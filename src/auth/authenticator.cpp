#include "auth/authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <stdexcept>

#include "common/text.hpp"

namespace spillway::auth {

namespace {

constexpr std::size_t kDigestSize = 32;

using Digest = std::array<unsigned char, kDigestSize>;

Digest sha256(std::string_view data) {
  Digest out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 || size != kDigestSize) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

std::string from_hex(const std::string& hex) {
  if (hex.size() != kDigestSize * 2) {
    throw std::invalid_argument("auth: a key digest must be 64 hex digits");
  }
  std::string out(kDigestSize, '\0');
  for (std::size_t i = 0; i < kDigestSize; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      throw std::invalid_argument("auth: a key digest must be 64 hex digits");
    }
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}


// The credentials of "Bearer <key>"; the scheme name is case-insensitive (RFC 9110 11.1).
std::string_view bearer_token(std::string_view authorization) {
  authorization = trim_ows(authorization);
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') {
    return {};
  }
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) {
      return {};
    }
  }
  return trim_ows(authorization.substr(scheme.size() + 1));
}

}  // namespace

Authenticator::Authenticator(const config::Auth& auth) : none_(auth.none) {
  for (const auto& hex : auth.key_sha256) {
    digests_.push_back(from_hex(hex));
  }
}

std::optional<std::size_t> Authenticator::identify(std::string_view x_api_key, std::string_view authorization) const {
  std::optional<std::size_t> found;
  for (std::string_view presented : {trim_ows(x_api_key), bearer_token(authorization)}) {
    if (presented.empty() || found) {
      continue;
    }
    Digest digest = sha256(presented);
    // Compare with every stored digest, without stopping early, so the time taken says
    // nothing about which key (if any) matched.
    for (std::size_t i = 0; i < digests_.size(); ++i) {
      if (CRYPTO_memcmp(digest.data(), digests_[i].data(), kDigestSize) == 0 && !found) {
        found = i;
      }
    }
  }
  return found;
}

std::string_view Authenticator::presented(std::string_view x_api_key, std::string_view authorization) {
  const auto key = trim_ows(x_api_key);
  return key.empty() ? bearer_token(authorization) : key;
}

bool Authenticator::accepts(std::string_view x_api_key, std::string_view authorization) const {
  return none_ || identify(x_api_key, authorization).has_value();
}

}  // namespace spillway::auth
