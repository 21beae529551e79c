// Every validation failure: the line it points at and what it says.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace spillway::config {
namespace {

using test::fake_env;
using test::load_error;

// The error's full text must be "test.yaml:LINE: <message>" with `message` in it.
void expect_error(const std::string& yaml, int line, const std::string& message,
                  const EnvLookup& env = fake_env({})) {
  ConfigError e = load_error(yaml, env);
  EXPECT_EQ(e.line(), line) << e.what();
  EXPECT_EQ(e.file(), "test.yaml");
  std::string what = e.what();
  std::string prefix = line > 0 ? "test.yaml:" + std::to_string(line) + ": " : "test.yaml: ";
  EXPECT_EQ(what.rfind(prefix, 0), 0u) << what;
  EXPECT_NE(what.find(message), std::string::npos) << "message: " << what << "\nexpected to contain: " << message;
}

const std::string kUpstream = "upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\n";  // lines 1-2

TEST(LoadErrors, YamlSyntaxErrorPointsAtItsLine) {
  expect_error("listen: 127.0.0.1:4000\nupstreams: [\n  {name: a,\nroutes: x: y\n", 4, "YAML syntax error");
}

TEST(LoadErrors, ResponsesIsForOpenAiUpstreamsAndABoolean) {
  expect_error("upstreams:\n  - {name: a, kind: anthropic, base_url: 'http://h', responses: true}\n", 2,
               "upstream 'a': responses applies to kind openai");
  expect_error("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h', responses: maybe}\n", 2,
               "responses must be true or false");
  expect_error("upstreams:\n  - {name: a, kind: responses, base_url: 'http://h'}\n", 2, "unknown kind 'responses'");
}

TEST(LoadErrors, EmptyDocument) {
  expect_error("", 0, "the config is empty");
  expect_error("# only a comment\n", 0, "the config is empty");
}

TEST(LoadErrors, TopLevelMustBeAMapping) {
  expect_error("- a\n- b\n", 1, "the top level: expected a mapping");
}

TEST(LoadErrors, UnknownTopLevelKeySuggestsTheNearestOne) {
  expect_error(kUpstream + "rutes: []\n", 3,
               "unknown key 'rutes' in the top level; expected one of: listen, threads, auth, admin, limits, audit, upstreams, aliases, "
               "routes (did you mean 'routes'?)");
}

TEST(LoadErrors, UnknownKeyInRoute) {
  expect_error(kUpstream + "routes:\n  - match: {model: x}\n    upstream: a\n", 5,
               "unknown key 'upstream' in routes[0]; expected one of: name, match, to");
}

TEST(LoadErrors, UnknownKeyInUpstream) {
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_ur: http://h\n", 4,
               "unknown key 'base_ur' in upstreams[0]; expected one of: name, kind, base_url");
}

TEST(LoadErrors, UnknownKeyInTimeoutsAndLimitsAndMatch) {
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_url: http://h\n    timeouts:\n"
               "      connect: 5\n",
               6, "unknown key 'connect' in upstreams[0].timeouts");
  expect_error(kUpstream + "limits:\n  max_body: 5\n", 4, "unknown key 'max_body' in limits");
  expect_error(kUpstream + "routes:\n  - match: {name: x}\n    to: [a]\n", 4, "unknown key 'name' in routes[0].match");
}

TEST(LoadErrors, DuplicateKey) {
  expect_error("listen: 127.0.0.1:1\n" + kUpstream + "listen: 127.0.0.1:2\n", 4,
               "duplicate key 'listen' in the top level (first at line 1)");
}

TEST(LoadErrors, WrongTypes) {
  expect_error("threads: many\n" + kUpstream, 1, "threads: expected a whole number from 0 to 1024, got 'many'");
  expect_error("threads: -1\n" + kUpstream, 1, "threads: expected a whole number");
  expect_error("listen: [a]\n" + kUpstream, 1, "listen: expected HOST:PORT such as 127.0.0.1:4000 (quote IPv6: \"[::1]:4000\"), got a list");
  expect_error("upstreams: {name: a}\n", 1, "upstreams: expected a list of upstreams, got a mapping");
  expect_error("upstreams:\n  - just-a-name\n", 2, "upstreams[0]: expected a mapping with keys name, kind");
  expect_error(kUpstream + "limits:\n  max_body_bytes: lots\n", 4,
               "limits.max_body_bytes: expected a size in bytes such as 65536, \"512KiB\" or \"32MiB\", got 'lots'");
  expect_error(kUpstream + "limits:\n  max_header_bytes: 0\n", 4, "limits.max_header_bytes: expected a size");
  expect_error("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h', models: claude}\n", 2,
               "upstreams[0].models: expected a list of model names, got 'claude'");
  expect_error("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h', max_idle_connections: x}\n", 2,
               "upstreams[0].max_idle_connections: expected a whole number");
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_url: http://h\n    timeouts: {total_ms: 0}\n", 5,
               "upstreams[0].timeouts.total_ms: expected a whole number from 1");
}

TEST(LoadErrors, MissingRequiredUpstreamFields) {
  expect_error("upstreams:\n  - kind: openai\n    base_url: http://h\n", 2,
               "missing required key 'name' in upstreams[0]");
  expect_error("upstreams:\n  - name: a\n    base_url: http://h\n", 2, "missing required key 'kind' in upstreams[0]");
  expect_error("upstreams:\n  - name: a\n    kind: openai\n", 2, "missing required key 'base_url' in upstreams[0]");
  expect_error("upstreams:\n  - name:\n    kind: openai\n    base_url: http://h\n", 2,
               "upstreams[0].name: expected the upstream's name, got nothing");
}

TEST(LoadErrors, MissingRouteTo) {
  expect_error(kUpstream + "routes:\n  - match: {model: x}\n", 4, "missing required key 'to' in routes[0]");
}

TEST(LoadErrors, EmptyTo) {
  expect_error(kUpstream + "routes:\n  - match: {model: x}\n    to: []\n", 5,
               "routes[0].to is empty; expected at least one upstream");
}

TEST(LoadErrors, EmptyRoutesList) {
  expect_error(kUpstream + "routes: []\n", 3, "routes is empty");
}

TEST(LoadErrors, RouteNamesUnknownUpstream) {
  expect_error(kUpstream + "routes:\n  - match: {model: x}\n    to: [a, b]\n", 5,
               "routes[0].to[1]: unknown upstream 'b'; defined upstreams: a");
  expect_error(kUpstream + "routes:\n  - to:\n      - upstream: zz\n        model: m\n", 5,
               "routes[0].to[0].upstream: unknown upstream 'zz'");
  expect_error(kUpstream + "routes:\n  - to:\n      - model: m\n", 5,
               "missing required key 'upstream' in routes[0].to[0]");
}

TEST(LoadErrors, DuplicateUpstreamNames) {
  expect_error("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\n"
               "  - {name: a, kind: anthropic, base_url: 'https://h'}\n",
               3, "duplicate upstream name 'a' (first defined at line 2)");
}

TEST(LoadErrors, BadUpstreamName) {
  expect_error("upstreams:\n  - {name: 'a b', kind: openai, base_url: 'http://h'}\n", 2,
               "upstream name 'a b' may contain only letters, digits");
}

TEST(LoadErrors, UnknownKind) {
  expect_error("upstreams:\n  - name: a\n    kind: gemini\n    base_url: http://h\n", 3,
               "upstream 'a': unknown kind 'gemini'; expected anthropic or openai");
}

TEST(LoadErrors, BadBaseUrls) {
  auto with_url = [](const std::string& url) {
    return "upstreams:\n  - name: a\n    kind: openai\n    base_url: '" + url + "'\n";
  };
  expect_error(with_url("ftp://h/x"), 4,
               "upstream 'a': base_url 'ftp://h/x' does not start with http:// or https://; expected "
               "http(s)://host[:port][/path]");
  expect_error(with_url("127.0.0.1:8000"), 4, "base_url '127.0.0.1:8000'");
  expect_error(with_url("http:///v1"), 4, "has no host");
  expect_error(with_url("not a url"), 4, "is not a valid URL");
  expect_error(with_url("http://u:p@h/"), 4, "must not carry user:password@");
  expect_error(with_url("http://h/v1?x=1"), 4, "must not have a ?query");
  expect_error(with_url("http://h:0/"), 4, "has a bad port");
  expect_error(with_url("http://h:99999/"), 4, "has a bad port");
  expect_error(with_url("http://h:/"), 4, "has a bad port");
}

TEST(LoadErrors, ApiKeyEnvUnsetOrEmpty) {
  std::string yaml = "upstreams:\n  - name: claude\n    kind: anthropic\n    base_url: https://api.anthropic.com\n"
                     "    api_key_env: ANTHROPIC_API_KEY\n";
  expect_error(yaml, 5, "upstream 'claude': environment variable ANTHROPIC_API_KEY is not set");
  expect_error(yaml, 5, "upstream 'claude': environment variable ANTHROPIC_API_KEY is empty",
               fake_env({{"ANTHROPIC_API_KEY", " \n"}}));
}

TEST(LoadErrors, ApiKeyEnvHoldingTheKeyItselfIsNotEchoed) {
  std::string secret = "sk-ant-api03-secretvalue";
  ConfigError e = load_error("upstreams:\n  - name: claude\n    kind: anthropic\n    base_url: https://h\n"
                             "    api_key_env: " + secret + "\n");
  EXPECT_EQ(e.line(), 5);
  EXPECT_NE(std::string(e.what()).find("must be the name of an environment variable"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find("secretvalue"), std::string::npos) << e.what();
}

TEST(LoadErrors, ApiKeyWithControlCharactersIsRefusedWithoutEchoingIt) {
  ConfigError e = load_error("upstreams:\n  - {name: a, kind: openai, base_url: 'http://h', api_key_env: K}\n",
                             fake_env({{"K", "sk-abc\r\nX-Injected: 1"}}));
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("contains control characters"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("sk-abc"), std::string::npos) << e.what();
}

TEST(LoadErrors, ApiKeyFileUnreadableOrEmpty) {
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_url: http://h\n"
               "    api_key_file: /nonexistent/key\n",
               5, "upstream 'a': api_key_file /nonexistent/key cannot be read: No such file or directory");
  std::string empty = test::temp_file(".key", "\n  \n");
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_url: http://h\n    api_key_file: " + empty + "\n",
               5, "upstream 'a': api_key_file " + empty + " is empty");
}

TEST(LoadErrors, KeyPoolProblemsNameTheEntry) {
  const std::string head = "upstreams:\n  - name: a\n    kind: anthropic\n    base_url: http://h\n";
  expect_error(head + "    api_key_env: [K1, K2]\n", 5, "upstream 'a': environment variable K2 is not set",
               fake_env({{"K1", "v1"}}));
  expect_error(head + "    api_key_env:\n      - K1\n      - sk-ant-secret\n", 7, "not the key itself",
               fake_env({{"K1", "v1"}}));
  std::string path = test::temp_file(".key", "same");
  expect_error(head + "    api_key_env: K\n    api_key_file: " + path + "\n", 2,
               "file " + path + " holds the same key as env K; a pool needs distinct keys", fake_env({{"K", "same"}}));
}

TEST(LoadErrors, LimitsAndPolicies) {
  const std::string head = "upstreams:\n  - name: a\n    kind: openai\n    base_url: http://h\n";
  expect_error(head + "    limits: {rpm: 0}\n", 5, "");
  expect_error(head + "    limits: {rpm: 10, tokens: 5}\n", 5, "unknown key 'tokens'");
  expect_error(head + "    limits: {tpm: 10, itpm: 5}\n", 5, "limits has tpm (input and output together) and itpm/otpm");
  expect_error(head + "    output_reservation: maybe\n", 5, "unknown output_reservation 'maybe'; expected generated or max_tokens");
  expect_error(head + "    cache_reads: sometimes\n", 5, "unknown cache_reads 'sometimes'; expected free or counted");
}

TEST(LoadErrors, RouteQueueSettings) {
  const std::string head = "upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\nroutes:\n  - match: {model: x}\n    to: [a]\n";
  expect_error(head + "    max_wait: 20\n", 6, "'20' is not a duration; expected a number with ms, s or m, e.g. 20s");
  expect_error(head + "    max_wait: 11m\n", 6, "11m is longer than the 600 s allowed");
  expect_error(head + "    priority: urgent\n", 6, "unknown priority 'urgent'; expected interactive or background");
  expect_error(head + "    overflow: [nowhere]\n", 6, "unknown upstream 'nowhere'");
}

TEST(LoadErrors, UnreadableCaFile) {
  expect_error("upstreams:\n  - name: a\n    kind: openai\n    base_url: https://h\n    ca_file: /nonexistent/ca.pem\n",
               5, "upstream 'a': ca_file /nonexistent/ca.pem cannot be read");
}

TEST(LoadErrors, BadListenAddress) {
  expect_error("listen: localhost\n" + kUpstream, 1, "bad listen address: listen address 'localhost' has no port");
  expect_error("listen: 127.0.0.1:http\n" + kUpstream, 1, "has a bad port 'http'");
  expect_error("listen: '::1:4000'\n" + kUpstream, 1, "write IPv6 addresses in brackets");
}

TEST(LoadErrors, AuthEntryThatIsNotADigestIsNotEchoed) {
  expect_error("auth:\n  - sha256: abc123\n" + kUpstream, 2,
               "auth[0].sha256: expected the SHA-256 of a gateway key as 64 hex digits (printf %s \"$KEY\" | "
               "sha256sum), got 6 characters");
  std::string not_hex(64, 'g');
  expect_error("auth:\n  - name: bob\n    sha256: " + not_hex + "\n" + kUpstream, 3, "got 64 characters");
  expect_error("auth:\n  - " + std::string(63, 'a') + "\n" + kUpstream, 2, "auth[0]: expected the SHA-256");
  ConfigError e = load_error("auth: sk-live-secret\n" + kUpstream);
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(std::string(e.what()).find("sk-live-secret"), std::string::npos) << e.what();
  expect_error("auth: []\n" + kUpstream, 1, "auth is an empty list");
}

TEST(LoadErrors, AuthRequiredOffLoopback) {
  expect_error("listen: 0.0.0.0:4000\n" + kUpstream, 1, "auth is required when listening on 0.0.0.0");
}

TEST(LoadErrors, NoUpstreams) {
  expect_error("listen: 127.0.0.1:4000\n", 1, "no upstreams");
  expect_error("upstreams: []\n", 1, "no upstreams: the upstreams list is empty");
}

}  // namespace
}  // namespace spillway::config

namespace spillway::config {
namespace {

TEST(LoadErrors, GatewayKeySettings) {
  const std::string digest = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
  const std::string tail = "upstreams:\n  - {name: a, kind: openai, base_url: 'http://h'}\n";
  expect_error("auth:\n  - {sha256: " + digest + ", priority: urgent}\n" + tail, 2,
               "unknown priority 'urgent'; expected interactive or background");
  expect_error("auth:\n  - {sha256: " + digest + ", max_wait: 5}\n" + tail, 2, "is not a duration");
  expect_error("auth:\n  - {sha256: " + digest + ", admin: yes please}\n" + tail, 2, "expected true or false");
}

}  // namespace
}  // namespace spillway::config
