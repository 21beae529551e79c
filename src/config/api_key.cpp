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

std::optional<std::string> read_key(const std::string& upstream, const std::string& env_name,
                                    const std::string& file_path, const EnvLookup& env, ApiKey& out) {
  const std::string prefix = "upstream '" + upstream + "': ";
  std::string key;
  std::string where;
  if (!env_name.empty()) {
    where = "environment variable " + env_name;
    out.source = "env " + env_name;
    auto value = env(env_name);
    if (!value) {
      return prefix + where + " is not set";
    }
    key = trim(*value);
  } else {
    where = "api_key_file " + file_path;
    out.source = "file " + file_path;
    std::string contents;
    if (auto error = read_whole_file(file_path, contents)) {
      return prefix + where + " cannot be read: " + *error;
    }
    key = trim(std::move(contents));
  }
  if (key.empty()) {
    return prefix + where + " is empty";
  }
  if (has_control_chars(key)) {
    return prefix + "the key in " + where + " contains control characters";
  }
  out.secret = std::move(key);
  return std::nullopt;
}

std::optional<std::string> load_api_key(Upstream& upstream, const EnvLookup& env) {
  if (!upstream.api_key_env.empty() && !upstream.api_key_file.empty()) {
    return "upstream '" + upstream.name + "': api_key_env and api_key_file are both set; expected one of them";
  }
  upstream.keys.clear();
  upstream.api_key.clear();
  if (upstream.api_key_env.empty() && upstream.api_key_file.empty()) {
    return std::nullopt;
  }
  ApiKey key;
  if (auto error = read_key(upstream.name, upstream.api_key_env, upstream.api_key_file, env, key)) {
    return error;
  }
  upstream.api_key = key.secret;
  upstream.keys.push_back(std::move(key));
  return std::nullopt;
}

}  // namespace spillway::config::detail
