#include <gtest/gtest.h>

#include "test_support.hpp"

namespace spillway::config {
namespace {

using test::fake_env;

constexpr const char* kFull = R"(listen: 127.0.0.1:4000
threads: 2
auth:
  - sha256: 5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8
    name: alice
  - 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
limits:
  max_body_bytes: 32MiB
  max_header_bytes: 65536
upstreams:
  - name: claude
    kind: anthropic
    base_url: https://api.anthropic.com/
    api_key_env: ANTHROPIC_API_KEY
    models: [claude-sonnet-4-5, claude-haiku-4-5]
    max_idle_connections: 8
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, between_events_ms: 3000, total_ms: 4000 }
  - name: local
    kind: openai
    base_url: http://127.0.0.1:8000/v1
routes:
  - match: { model: "claude-*" }
    to: [claude]
  - match: { model: "*" }
    to: [{ upstream: local, model: qwen2.5-coder-32b }]
)";

TEST(LoadValid, FullExampleIsReadIntoEveryField) {
  Config c = load_string(kFull, "full.yaml", fake_env({{"ANTHROPIC_API_KEY", "sk-ant-test\n"}}));
  EXPECT_EQ(c.source, "full.yaml");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 4000);
  EXPECT_EQ(c.threads, 2);

  EXPECT_FALSE(c.auth.none);
  ASSERT_EQ(c.auth.key_sha256.size(), 2u);
  EXPECT_EQ(c.auth.key_sha256[0], "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
  EXPECT_EQ(c.auth.key_sha256[1], "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(c.auth.key_names, (std::vector<std::string>{"alice", ""}));

  EXPECT_EQ(c.limits.max_body_bytes, 32u * 1024 * 1024);
  EXPECT_EQ(c.limits.max_header_bytes, 65536u);

  ASSERT_EQ(c.upstreams.size(), 2u);
  const Upstream& claude = c.upstreams[0];
  EXPECT_EQ(claude.name, "claude");
  EXPECT_EQ(claude.kind, Dialect::anthropic);
  EXPECT_TRUE(claude.tls);
  EXPECT_EQ(claude.host, "api.anthropic.com");
  EXPECT_EQ(claude.port, 443);
  EXPECT_EQ(claude.base_path, "");
  EXPECT_EQ(claude.api_key, "sk-ant-test");
  EXPECT_EQ(claude.key_source(), "env ANTHROPIC_API_KEY");
  EXPECT_EQ(claude.models, (std::vector<std::string>{"claude-sonnet-4-5", "claude-haiku-4-5"}));
  EXPECT_EQ(claude.max_idle_connections, 8u);
  EXPECT_EQ(claude.timeouts.connect, milliseconds(1000));
  EXPECT_EQ(claude.timeouts.first_byte, milliseconds(2000));
  EXPECT_EQ(claude.timeouts.between_events, milliseconds(3000));
  EXPECT_EQ(claude.timeouts.total, milliseconds(4000));

  const Upstream& local = c.upstreams[1];
  EXPECT_EQ(local.kind, Dialect::openai);
  EXPECT_FALSE(local.tls);
  EXPECT_EQ(local.host, "127.0.0.1");
  EXPECT_EQ(local.port, 8000);
  EXPECT_EQ(local.base_path, "/v1");
  EXPECT_EQ(local.api_key, "");
  EXPECT_EQ(local.key_source(), "none");
  EXPECT_EQ(local.max_idle_connections, 64u);
  EXPECT_EQ(local.timeouts.total, Timeouts{}.total);

  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].model_pattern, "claude-*");
  EXPECT_EQ(c.routes[0].line, 22);
  ASSERT_EQ(c.routes[0].to.size(), 1u);
  EXPECT_EQ(c.routes[0].to[0].upstream, "claude");
  EXPECT_EQ(c.routes[0].to[0].model, "");
  EXPECT_EQ(c.routes[1].model_pattern, "*");
  EXPECT_EQ(c.routes[1].to[0].upstream, "local");
  EXPECT_EQ(c.routes[1].to[0].model, "qwen2.5-coder-32b");

  EXPECT_EQ(c.find_upstream("local"), &c.upstreams[1]);
  EXPECT_EQ(c.find_upstream("nope"), nullptr);
}

TEST(LoadValid, MinimalConfigTakesDefaults) {
  Config c = load_string("upstreams:\n  - {name: a, kind: openai, base_url: 'http://localhost:9000'}\n", "m.yaml",
                         fake_env({}));
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 4000);
  EXPECT_EQ(c.threads, 0);
  EXPECT_TRUE(c.auth.none);  // loopback listener, no auth key: open
  EXPECT_EQ(c.limits.max_body_bytes, Limits{}.max_body_bytes);
  ASSERT_EQ(c.routes.size(), 1u);  // absent routes: everything to the first upstream
  EXPECT_EQ(c.routes[0].model_pattern, "*");
  ASSERT_EQ(c.routes[0].to.size(), 1u);
  EXPECT_EQ(c.routes[0].to[0].upstream, "a");
}

TEST(LoadValid, AuthNoneAndExtraLimitsAndScalarTo) {
  Config c = load_string(R"(listen: "[::]:8080"
auth: none
limits: {max_body_bytes: "512 KiB", max_upstream_response_bytes: 1MB, client_header_timeout_ms: 5000,
         client_body_timeout_ms: 6000}
upstreams:
  - {name: a, kind: openai, base_url: "https://[::1]:8443/api/v1//"}
routes:
  - to: a
)",
                         "x.yaml", fake_env({}));
  EXPECT_EQ(c.listen_host, "::");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_TRUE(c.auth.none);
  EXPECT_EQ(c.limits.max_body_bytes, 512u * 1024);
  EXPECT_EQ(c.limits.max_upstream_response_bytes, 1000u * 1000);
  EXPECT_EQ(c.limits.client_header_timeout, milliseconds(5000));
  EXPECT_EQ(c.limits.client_body_timeout, milliseconds(6000));
  EXPECT_EQ(c.upstreams[0].host, "::1");
  EXPECT_EQ(c.upstreams[0].port, 8443);
  EXPECT_EQ(c.upstreams[0].base_path, "/api/v1");
  EXPECT_EQ(c.routes[0].model_pattern, "*");  // no match: matches everything
  EXPECT_EQ(c.routes[0].to[0].upstream, "a");
}

TEST(LoadValid, ApiKeyFileIsReadAndTrimmed) {
  std::string path = test::temp_file(".key", "sk-from-file \n\n");
  Config c = load_string("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h', api_key_file: '" + path +
                             "'}\n",
                         "f.yaml", fake_env({}));
  EXPECT_EQ(c.upstreams[0].api_key, "sk-from-file");
  EXPECT_EQ(c.upstreams[0].key_source(), "file " + path);
  EXPECT_EQ(c.upstreams[0].port, 80);
}

TEST(LoadValid, LoadFileNamesTheFileAsSource) {
  std::string path = test::temp_file(".yaml", "upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\n");
  Config c = load_file(path, fake_env({}));
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.upstreams.size(), 1u);
}

TEST(LoadValid, MissingFileIsAConfigErrorWithoutLine) {
  try {
    load_file("/nonexistent/spillway.yaml", fake_env({}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/spillway.yaml: cannot read config file: No such file or directory");
  }
}

TEST(ConfigErrorFormat, WithAndWithoutLine) {
  EXPECT_STREQ(ConfigError("a.yaml", 7, "bad").what(), "a.yaml:7: bad");
  EXPECT_STREQ(ConfigError("environment", 0, "bad").what(), "environment: bad");
  EXPECT_EQ(ConfigError("a.yaml", 7, "bad").file(), "a.yaml");
  EXPECT_EQ(ConfigError("a.yaml", 7, "bad").line(), 7);
}

}  // namespace
}  // namespace spillway::config

namespace spillway::config {
namespace {

TEST(LoadValid, KeyPoolLimitsPoliciesAndQueueSettings) {
  std::string path = test::temp_file(".key", "key-c\n");
  Config c = load_string(R"(upstreams:
  - name: claude
    kind: anthropic
    base_url: https://api.anthropic.com
    api_key_env: [KEY_A, KEY_B]
    api_key_file: )" + path + R"(
    limits: { rpm: 50, itpm: 30000, otpm: 8000, max_concurrency: 16 }
  - name: gpt
    kind: openai
    base_url: https://api.openai.com/v1
    api_key_env: KEY_O
    limits: { tpm: 150000 }
    output_reservation: generated
    cache_reads: free
  - name: local
    kind: openai
    base_url: http://127.0.0.1:8000/v1
routes:
  - match: { model: "claude-*" }
    to: [claude]
    overflow: [{ upstream: local, model: qwen2.5-coder-32b }]
    max_wait: 20s
    priority: background
  - match: { model: "*" }
    to: local
)",
                         "pool.yaml", fake_env({{"KEY_A", "a"}, {"KEY_B", "b"}, {"KEY_O", "o"}}));
  const Upstream& claude = c.upstreams[0];
  ASSERT_EQ(claude.keys.size(), 3u);
  EXPECT_EQ(claude.keys[0].secret, "a");
  EXPECT_EQ(claude.keys[0].source, "env KEY_A");
  EXPECT_EQ(claude.keys[1].source, "env KEY_B");
  EXPECT_EQ(claude.keys[2].secret, "key-c");
  EXPECT_EQ(claude.keys[2].source, "file " + path);
  EXPECT_EQ(claude.api_key, "a");
  EXPECT_EQ(claude.limits.rpm, 50u);
  EXPECT_EQ(claude.limits.itpm, 30000u);
  EXPECT_EQ(claude.limits.otpm, 8000u);
  EXPECT_EQ(claude.limits.max_concurrency, 16u);
  // Defaults follow the provider: Anthropic counts generated output and leaves cache reads free.
  EXPECT_EQ(claude.output_reservation, OutputReservation::generated);
  EXPECT_EQ(claude.cache_reads, CacheReads::free);
  const Upstream& gpt = c.upstreams[1];
  EXPECT_EQ(gpt.limits.tpm, 150000u);
  EXPECT_EQ(gpt.output_reservation, OutputReservation::generated);
  EXPECT_EQ(gpt.cache_reads, CacheReads::free);
  const Upstream& local = c.upstreams[2];
  EXPECT_TRUE(local.keys.empty());
  EXPECT_EQ(local.output_reservation, OutputReservation::max_tokens);
  EXPECT_EQ(local.cache_reads, CacheReads::counted);

  ASSERT_EQ(c.routes.size(), 2u);
  ASSERT_EQ(c.routes[0].overflow.size(), 1u);
  EXPECT_EQ(c.routes[0].overflow[0].upstream, "local");
  EXPECT_EQ(c.routes[0].overflow[0].model, "qwen2.5-coder-32b");
  EXPECT_EQ(c.routes[0].max_wait, milliseconds{20'000});
  EXPECT_EQ(c.routes[0].priority, Priority::background);
  EXPECT_TRUE(c.routes[1].overflow.empty());
  EXPECT_EQ(c.routes[1].max_wait, milliseconds{30'000});
  EXPECT_EQ(c.routes[1].priority, Priority::interactive);
}

}  // namespace
}  // namespace spillway::config

namespace spillway::config {
namespace {

TEST(LoadValid, GatewayKeysCarryPriorityWaitAndAdmin) {
  Config c = load_string(R"(auth:
  - { sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8, name: sweeper, priority: background, max_wait: 90s }
  - { sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, name: ops, admin: true }
upstreams:
  - { name: a, kind: openai, base_url: "http://h" }
)",
                         "keys.yaml", test::fake_env({}));
  ASSERT_EQ(c.auth.key_priority.size(), 2u);
  EXPECT_EQ(c.auth.key_priority[0], Priority::background);
  EXPECT_EQ(c.auth.key_max_wait[0], milliseconds{90'000});
  EXPECT_FALSE(c.auth.key_admin[0]);
  EXPECT_FALSE(c.auth.key_priority[1].has_value());
  EXPECT_FALSE(c.auth.key_max_wait[1].has_value());
  EXPECT_TRUE(c.auth.key_admin[1]);
}

}  // namespace
}  // namespace spillway::config
