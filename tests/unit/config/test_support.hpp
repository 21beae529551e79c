#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "config/config.hpp"

namespace spillway::config::test {

// An environment that holds only what the test puts in it.
inline EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

// A file under the test temp dir, named after the running test so tests never share one.
inline std::string temp_file(const std::string& suffix, const std::string& contents) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "spillway_" + info->test_suite_name() + "_" + info->name() + suffix;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// Loads `yaml` expecting a ConfigError; returns it so the test can check line and text.
inline ConfigError load_error(const std::string& yaml, const EnvLookup& env = fake_env({})) {
  try {
    load_string(yaml, "test.yaml", env);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
  return ConfigError("none", 0, "none");
}

}  // namespace spillway::config::test
