// The `audit:` section: defaults, `off`, every key, and the errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace spillway::config {
namespace {

using test::fake_env;
using test::load_error;

const std::string kUpstream = "upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\n";  // lines 1-2

Config load(const std::string& yaml) { return load_string(yaml, "test.yaml", fake_env({})); }

TEST(AuditSection, AbsentMeansSqliteInTheWorkingDirectory) {
  const auto c = load(kUpstream);
  EXPECT_EQ(c.audit.sqlite, "./spillway.db");
  EXPECT_FALSE(c.audit.store_content);
  EXPECT_EQ(c.audit.queue_limit, 100'000u);
}

TEST(AuditSection, OffTurnsRecordingOff) {
  EXPECT_EQ(load(kUpstream + "audit: off\n").audit.sqlite, "");
  EXPECT_EQ(load(kUpstream + "audit: {sqlite: off}\n").audit.sqlite, "");
}

TEST(AuditSection, EveryKey) {
  const auto dir = std::filesystem::temp_directory_path() / ("spillway-audit-cfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto prices = (dir / "prices.yaml").string();
  std::ofstream(prices) << "models: [{match: 'qwen*', input: 0, output: 0}]\n";
  const auto c = load(kUpstream + "audit:\n  sqlite: /var/lib/spillway/audit.db\n  store_content: true\n"
                                  "  max_content_bytes: 64KiB\n  prices: " + prices +
                      "\n  queue_limit: 500\n  flush_interval_ms: 250\n");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(c.audit.sqlite, "/var/lib/spillway/audit.db");
  EXPECT_TRUE(c.audit.store_content);
  EXPECT_EQ(c.audit.max_content_bytes, 64u * 1024);
  EXPECT_EQ(c.audit.prices_file, prices);
  EXPECT_NE(c.audit.prices_yaml.find("qwen*"), std::string::npos);
  EXPECT_EQ(c.audit.queue_limit, 500u);
  EXPECT_EQ(c.audit.flush_interval.count(), 250);
}

TEST(AuditSection, Errors) {
  auto expect = [](const std::string& yaml, int line, const std::string& message) {
    ConfigError e = load_error(kUpstream + yaml, fake_env({}));
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  };
  expect("audit: [a]\n", 3, "expected `off` or a mapping");
  expect("audit:\n  sqlit: x.db\n", 4, "sqlit");
  expect("audit:\n  store_content: yes please\n", 4, "expected true or false");
  expect("audit:\n  prices: /nonexistent/prices.yaml\n", 4, "cannot read /nonexistent/prices.yaml");
  expect("audit:\n  queue_limit: 0\n", 4, "queue_limit");
  expect("audit:\n  flush_interval_ms: 600000\n", 4, "flush_interval_ms");
}

}  // namespace
}  // namespace spillway::config
