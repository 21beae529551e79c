#include <algorithm>
#include <cctype>

#include "config/loader.hpp"

namespace spillway::config::detail {

namespace {

constexpr const char* kAuthExpected =
    "expected `none` or a list of {sha256: <64 hex digits>, name: LABEL} (make a digest with: "
    "printf %s \"$KEY\" | sha256sum)";

bool is_hex64(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

Auth read_auth(const YamlFile& file, const Field& field) {
  Auth auth;
  if (field.value.IsScalar() && field.value.Scalar() == "none") {
    auth.none = true;
    return auth;
  }
  if (!field.value.IsSequence()) {
    file.fail(field.line, std::string("auth: ") + kAuthExpected);
  }
  auto items = sequence_items(file, field, "key digests");
  if (items.empty()) {
    file.fail(field.line, "auth is an empty list, so no key would be accepted; write `auth: none` to accept "
                          "requests without a key");
  }
  for (const auto& item : items) {
    Field digest = item;
    std::string name;
    std::optional<Priority> priority;
    std::optional<milliseconds> max_wait;
    bool admin = false;
    if (item.value.IsMap()) {
      MapFields map(file, item, {"sha256", "name", "priority", "max_wait", "admin"});
      digest = map.require("sha256");
      if (auto f = map.get("name")) {
        name = as_string(file, *f, "expected a label for this key");
      }
      if (auto f = map.get("priority")) {
        priority = read_priority(file, *f);
      }
      if (auto f = map.get("max_wait")) {
        max_wait = read_duration(file, *f, milliseconds{600'000});
      }
      if (auto f = map.get("admin")) {
        admin = as_bool(file, *f);
      }
    }
    auth.key_priority.push_back(priority);
    auth.key_max_wait.push_back(max_wait);
    auth.key_admin.push_back(admin);
    // Never echo the value: someone may have pasted the key itself instead of its digest.
    if (!digest.value.IsScalar() || !is_hex64(digest.value.Scalar())) {
      std::string got = digest.value.IsScalar() ? std::to_string(digest.value.Scalar().size()) + " characters"
                                                : describe(digest.value);
      file.fail(digest.line, digest.where + ": expected the SHA-256 of a gateway key as 64 hex digits (printf %s "
                                            "\"$KEY\" | sha256sum), got " + got);
    }
    std::string hex = digest.value.Scalar();
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    auth.key_sha256.push_back(std::move(hex));
    auth.key_names.push_back(std::move(name));
  }
  return auth;
}

Limits read_limits(const YamlFile& file, const Field& field) {
  MapFields map(file, field,
                {"max_body_bytes", "max_header_bytes", "max_upstream_response_bytes", "client_header_timeout_ms",
                 "client_body_timeout_ms", "shutdown_grace_ms", "stream_ping_ms"});
  Limits limits;
  if (auto f = map.get("max_body_bytes")) {
    limits.max_body_bytes = as_byte_size(file, *f);
  }
  if (auto f = map.get("max_header_bytes")) {
    limits.max_header_bytes = as_byte_size(file, *f);
  }
  if (auto f = map.get("max_upstream_response_bytes")) {
    limits.max_upstream_response_bytes = as_byte_size(file, *f);
  }
  constexpr std::uint64_t kHourMs = 3600 * 1000;
  if (auto f = map.get("client_header_timeout_ms")) {
    limits.client_header_timeout = milliseconds(as_uint(file, *f, 1, kHourMs));
  }
  if (auto f = map.get("client_body_timeout_ms")) {
    limits.client_body_timeout = milliseconds(as_uint(file, *f, 1, kHourMs));
  }
  if (auto f = map.get("shutdown_grace_ms")) {
    limits.shutdown_grace = milliseconds(as_uint(file, *f, 0, kHourMs));
  }
  if (auto f = map.get("stream_ping_ms")) {
    const auto ms = as_uint(file, *f, 0, kHourMs);
    if (ms != 0 && ms < 50) {  // the watchdog ticks every 50 ms: a shorter period cannot be kept
      file.fail(f->line, "limits.stream_ping_ms must be 0 (off) or at least 50, got " + std::to_string(ms));
    }
    limits.stream_ping = milliseconds(ms);
  }
  return limits;
}

}  // namespace spillway::config::detail
