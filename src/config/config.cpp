#include "config/config.hpp"

#include <cstdlib>

namespace spillway::config {

namespace {

std::string format_error(const std::string& file, int line, const std::string& message) {
  if (line > 0) {
    return file + ":" + std::to_string(line) + ": " + message;
  }
  return file + ": " + message;
}

}  // namespace

ConfigError::ConfigError(const std::string& file, int line, const std::string& message)
    : std::runtime_error(format_error(file, line, message)), file_(file), line_(line) {}

std::string Upstream::key_source() const {
  if (!api_key_env.empty()) {
    return "env " + api_key_env;
  }
  if (!api_key_file.empty()) {
    return "file " + api_key_file;
  }
  return "none";
}

const Upstream* Config::find_upstream(std::string_view name) const {
  for (const auto& upstream : upstreams) {
    if (upstream.name == name) {
      return &upstream;
    }
  }
  return nullptr;
}

EnvLookup env_with_placeholders() {
  return [real = process_env()](const std::string& name) -> std::optional<std::string> {
    auto value = real(name);
    return value ? value : std::optional<std::string>("unused-placeholder-key");
  };
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv is only called at start-up, before worker threads exist.
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

}  // namespace spillway::config
