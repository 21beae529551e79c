#include "config/api_key.hpp"

#include <algorithm>

#include "config/read_file.hpp"

namespace spillway::config::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(std::string s) {
  while (!s.empty() && is_space(s.back())) {
    s.pop_back();
  }
  auto first = std::find_if_not(s.begin(), s.end(), is_space);
  s.erase(s.begin(), first);
  return s;
}

// A key goes into an HTTP header; a stray newline there would split the request.
bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

std::optional<std::string> load_api_key(Upstream& upstream, const EnvLookup& env) {
  const std::string prefix = "upstream '" + upstream.name + "': ";
  if (!upstream.api_key_env.empty() && !upstream.api_key_file.empty()) {
    return prefix + "api_key_env and api_key_file are both set; expected one of them";
  }
  std::string key;
  std::string where;
  if (!upstream.api_key_env.empty()) {
    where = "environment variable " + upstream.api_key_env;
    auto value = env(upstream.api_key_env);
    if (!value) {
      return prefix + where + " is not set";
    }
    key = trim(*value);
  } else if (!upstream.api_key_file.empty()) {
    where = "api_key_file " + upstream.api_key_file;
    std::string contents;
    if (auto error = read_whole_file(upstream.api_key_file, contents)) {
      return prefix + where + " cannot be read: " + *error;
    }
    key = trim(std::move(contents));
  } else {
    upstream.api_key.clear();
    return std::nullopt;
  }
  if (key.empty()) {
    return prefix + where + " is empty";
  }
  if (has_control_chars(key)) {
    return prefix + "the key in " + where + " contains control characters";
  }
  upstream.api_key = std::move(key);
  return std::nullopt;
}

}  // namespace spillway::config::detail
