#include <gtest/gtest.h>

#include "test_support.hpp"

namespace spillway::config {
namespace {

using test::fake_env;

std::vector<std::string> patterns(const Config& c) {
  std::vector<std::string> out;
  for (const auto& r : c.routes) {
    out.push_back(r.model_pattern + "->" + r.to.at(0).upstream + (r.to.at(0).model.empty() ? "" : ":" + r.to[0].model));
  }
  return out;
}

TEST(FromEnv, AllThreeUpstreams) {
  Config c = from_env(fake_env({{"ANTHROPIC_API_KEY", "ka"},
                                {"OPENAI_API_KEY", "ko"},
                                {"SPILLWAY_LOCAL_URL", "http://127.0.0.1:8000/v1"}}));
  EXPECT_EQ(c.source, "environment");
  EXPECT_TRUE(c.auth.none);
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 4000);
  ASSERT_EQ(c.upstreams.size(), 3u);

  EXPECT_EQ(c.upstreams[0].name, "anthropic");
  EXPECT_EQ(c.upstreams[0].kind, Dialect::anthropic);
  EXPECT_EQ(c.upstreams[0].host, "api.anthropic.com");
  EXPECT_EQ(c.upstreams[0].port, 443);
  EXPECT_TRUE(c.upstreams[0].tls);
  EXPECT_EQ(c.upstreams[0].api_key, "ka");
  EXPECT_EQ(c.upstreams[0].key_source(), "env ANTHROPIC_API_KEY");

  EXPECT_EQ(c.upstreams[1].name, "openai");
  EXPECT_EQ(c.upstreams[1].kind, Dialect::openai);
  EXPECT_EQ(c.upstreams[1].host, "api.openai.com");
  EXPECT_EQ(c.upstreams[1].base_path, "/v1");
  EXPECT_EQ(c.upstreams[1].api_key, "ko");

  EXPECT_EQ(c.upstreams[2].name, "local");
  EXPECT_EQ(c.upstreams[2].kind, Dialect::openai);
  EXPECT_FALSE(c.upstreams[2].tls);
  EXPECT_EQ(c.upstreams[2].port, 8000);
  EXPECT_EQ(c.upstreams[2].base_path, "/v1");
  EXPECT_EQ(c.upstreams[2].api_key, "");
  EXPECT_EQ(c.upstreams[2].key_source(), "none");

  EXPECT_EQ(patterns(c), (std::vector<std::string>{"claude-*->anthropic", "gpt-*->openai", "o1*->openai",
                                                   "o3*->openai", "o4*->openai", "chatgpt-*->openai", "*->local"}));
}

TEST(FromEnv, WithoutLocalEverythingElseGoesToTheFirstUpstream) {
  Config c = from_env(fake_env({{"OPENAI_API_KEY", "ko"}}));
  ASSERT_EQ(c.upstreams.size(), 1u);
  EXPECT_EQ(patterns(c), (std::vector<std::string>{"gpt-*->openai", "o1*->openai", "o3*->openai", "o4*->openai",
                                                   "chatgpt-*->openai", "*->openai"}));
  Config a = from_env(fake_env({{"ANTHROPIC_API_KEY", "ka"}}));
  EXPECT_EQ(patterns(a), (std::vector<std::string>{"claude-*->anthropic", "*->anthropic"}));
}

TEST(FromEnv, LocalOnlyWithKeyModelAndListen) {
  Config c = from_env(fake_env({{"SPILLWAY_LOCAL_URL", "http://[::1]:8001/"},
                                {"SPILLWAY_LOCAL_API_KEY", "local-key"},
                                {"SPILLWAY_LOCAL_MODEL", "qwen"},
                                {"SPILLWAY_LISTEN", "[::1]:5000"},
                                {"ANTHROPIC_API_KEY", ""}}));  // empty counts as unset
  ASSERT_EQ(c.upstreams.size(), 1u);
  EXPECT_EQ(c.upstreams[0].host, "::1");
  EXPECT_EQ(c.upstreams[0].base_path, "");
  EXPECT_EQ(c.upstreams[0].api_key, "local-key");
  EXPECT_EQ(c.upstreams[0].key_source(), "env SPILLWAY_LOCAL_API_KEY");
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 5000);
  EXPECT_EQ(patterns(c), (std::vector<std::string>{"*->local:qwen"}));
}

TEST(FromEnv, ProviderUrlOverrides) {
  Config c = from_env(fake_env({{"ANTHROPIC_API_KEY", "ka"}, {"SPILLWAY_ANTHROPIC_URL", "http://127.0.0.1:9001"}}));
  EXPECT_FALSE(c.upstreams[0].tls);
  EXPECT_EQ(c.upstreams[0].port, 9001);
}

TEST(FromEnv, NothingSetIsAnError) {
  try {
    from_env(fake_env({{"ANTHROPIC_BASE_URL", "http://127.0.0.1:4000"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "environment");
    EXPECT_EQ(e.line(), 0);
    EXPECT_NE(std::string(e.what()).find("environment: no upstream configured: set ANTHROPIC_API_KEY"),
              std::string::npos)
        << e.what();
  }
}

TEST(FromEnv, BadLocalUrlAndListenAreErrors) {
  EXPECT_THROW(from_env(fake_env({{"SPILLWAY_LOCAL_URL", "127.0.0.1:8000"}})), ConfigError);
  try {
    from_env(fake_env({{"SPILLWAY_LOCAL_URL", "http://h"}, {"SPILLWAY_LISTEN", "nope"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("SPILLWAY_LISTEN: listen address 'nope' has no port"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace spillway::config

namespace spillway::config {
namespace {

TEST(FromEnv, AuditDatabase) {
  EXPECT_EQ(from_env(test::fake_env({{"SPILLWAY_LOCAL_URL", "http://h"}})).audit.sqlite, "./spillway.db");
  EXPECT_EQ(from_env(test::fake_env({{"SPILLWAY_LOCAL_URL", "http://h"}, {"SPILLWAY_AUDIT_DB", "/tmp/a.db"}})).audit.sqlite,
            "/tmp/a.db");
  EXPECT_EQ(from_env(test::fake_env({{"SPILLWAY_LOCAL_URL", "http://h"}, {"SPILLWAY_AUDIT_DB", "off"}})).audit.sqlite, "");
}

}  // namespace
}  // namespace spillway::config
