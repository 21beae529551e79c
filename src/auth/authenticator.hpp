#pragma once
// Decides whether a presented gateway key is accepted. Keys are stored only as SHA-256
// digests (config `auth:`), compared in constant time.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace spillway::auth {

class Authenticator {
 public:
  explicit Authenticator(const config::Auth& auth);

  // `x_api_key` and `authorization` are the raw header values ("" when absent). Either may
  // carry the key; Authorization must be "Bearer <key>". With `auth: none` every call passes.
  bool accepts(std::string_view x_api_key, std::string_view authorization) const;
  bool open() const { return none_; }

  // Which configured key was presented: its index in config::Auth::key_sha256 (and key_names),
  // or nullopt when none matches. Ignores `auth: none`: an open gateway can still name a key.
  std::optional<std::size_t> identify(std::string_view x_api_key, std::string_view authorization) const;

  // The key a request presents (x-api-key, else Authorization: Bearer), "" when none: for the
  // lookup of virtual keys (src/keys), which are not in the config.
  static std::string_view presented(std::string_view x_api_key, std::string_view authorization);

 private:
  bool none_;
  std::vector<std::string> digests_;  // raw 32-byte digests
};

}  // namespace spillway::auth
