// Routing rules (docs/routing.md): each condition of `match:`, aliases, first match wins, and the
// verdicts `spillway route explain` prints. Configs are loaded from YAML, as users write them.
#include <gtest/gtest.h>

#include <map>

#include "route/router.hpp"

namespace spillway::route {
namespace {

config::Config load(const std::string& routes) {
  const std::string yaml =
      "upstreams:\n"
      "  - {name: premium, kind: anthropic, base_url: 'http://127.0.0.1:1'}\n"
      "  - {name: local, kind: openai, base_url: 'http://127.0.0.1:2/v1'}\n"
      "  - {name: long, kind: anthropic, base_url: 'http://127.0.0.1:3'}\n" +
      routes;
  return config::load_string(yaml, "test.yaml", [](const std::string&) { return std::nullopt; });
}

// Facts of a plain Anthropic request for `model`; tests change what they need.
struct Facts {
  std::map<std::string, std::string> headers;
  RequestFacts facts;
  explicit Facts(std::string_view model) {
    facts.model = model;
    facts.dialect = Dialect::anthropic;
    facts.input_tokens = 1000;
    facts.tools = true;
    facts.header = [this](std::string_view name) -> std::optional<std::string_view> {
      auto it = headers.find(std::string(name));
      return it == headers.end() ? std::nullopt : std::optional<std::string_view>(it->second);
    };
  }
  Facts(const Facts&) = delete;
};

std::string matched(const Router& router, const RequestFacts& facts) {
  const auto* route = router.match(facts);
  return route == nullptr ? "(none)" : route->label();
}

const std::string kRules =
    "aliases:\n"
    "  senior: [claude-opus-*, claude-sonnet-*]\n"
    "  junior: qwen*\n"
    "routes:\n"
    "  - name: forced-junior\n"
    "    match: {header: {x-spillway-tier: junior}}\n"
    "    to: [local]\n"
    "  - name: titles\n"
    "    match: {background: true}\n"
    "    to: [{upstream: local, model: qwen-small}]\n"
    "  - name: long-context\n"
    "    match: {model: senior, min_input_tokens: 150000}\n"
    "    to: [long]\n"
    "  - name: openai-clients\n"
    "    match: {dialect: openai, model: junior}\n"
    "    to: [local]\n"
    "  - name: team-b-thinking\n"
    "    match: {key: team-b, thinking: true}\n"
    "    to: [premium]\n"
    "    max_tokens: 4096\n"
    "  - name: subagents\n"
    "    match: {agent: ['sub-*', 'worker'], tools: true}\n"
    "    to: [local]\n"
    "  - name: senior\n"
    "    match: {model: senior}\n"
    "    to: [premium]\n"
    "    overflow: [{upstream: local, model: qwen2.5-coder}]\n"
    "    max_input_tokens: 190000\n";

TEST(RouteConditions, EachConditionSelectsItsRoute) {
  const auto config = load(kRules);
  Router router(config);
  {
    Facts f("claude-sonnet-4-5");
    EXPECT_EQ(matched(router, f.facts), "senior");
    f.headers["x-spillway-tier"] = "junior";
    EXPECT_EQ(matched(router, f.facts), "forced-junior");
  }
  {
    Facts f("claude-haiku-4-5");  // Claude Code's side request: no tools
    f.facts.claude_code = true;
    f.facts.tools = false;
    EXPECT_EQ(matched(router, f.facts), "titles");
    f.facts.claude_code = false;  // the same from another client is no background request
    EXPECT_EQ(matched(router, f.facts), "(none)");
  }
  {
    Facts f("claude-opus-4-5");
    f.facts.input_tokens = 160000;
    EXPECT_EQ(matched(router, f.facts), "long-context");
    f.facts.input_tokens = 149999;
    EXPECT_EQ(matched(router, f.facts), "senior");
  }
  {
    Facts f("qwen3-coder");
    EXPECT_EQ(matched(router, f.facts), "(none)");  // an Anthropic client asking for a junior model
    f.facts.dialect = Dialect::openai;
    EXPECT_EQ(matched(router, f.facts), "openai-clients");
  }
  {
    Facts f("claude-sonnet-4-5");
    f.facts.key_name = "team-b";
    EXPECT_EQ(matched(router, f.facts), "senior");
    f.facts.thinking = true;
    EXPECT_EQ(matched(router, f.facts), "team-b-thinking");
  }
  {
    Facts f("claude-sonnet-4-5");
    f.facts.agent = "sub-reader";
    EXPECT_EQ(matched(router, f.facts), "subagents");
    f.facts.agent = "worker";
    EXPECT_EQ(matched(router, f.facts), "subagents");
    f.facts.tools = false;
    EXPECT_EQ(matched(router, f.facts), "senior");
  }
}

TEST(RouteConditions, AnAliasNameIsAModelToo) {
  const auto config = load(kRules);
  Router router(config);
  Facts f("senior");  // a client may ask for the alias itself
  EXPECT_EQ(matched(router, f.facts), "senior");
  bool listed = false;
  for (const auto& m : router.exposed_models()) {
    listed = listed || m.id == "senior";
  }
  EXPECT_TRUE(listed) << "an alias is a model clients may ask for";
}

TEST(RouteConditions, ExplainSaysWhyEachEarlierRuleFailed) {
  const auto config = load(kRules);
  Router router(config);
  Facts f("claude-opus-4-5");
  f.facts.input_tokens = 2000;
  f.facts.agent = "planner";
  const auto verdicts = router.explain(f.facts);
  ASSERT_EQ(verdicts.size(), 7u);
  EXPECT_EQ(verdicts[0].why, "no x-spillway-tier header");
  EXPECT_EQ(verdicts[1].why, "background: false");
  EXPECT_EQ(verdicts[2].why, "about 2000 input tokens, fewer than 150000");
  EXPECT_EQ(verdicts[3].why, "model 'claude-opus-4-5' is not junior");
  EXPECT_EQ(verdicts[4].why, "no named gateway key");
  EXPECT_EQ(verdicts[5].why, "agent 'planner' is not listed");
  EXPECT_TRUE(verdicts[6].matched);
  EXPECT_EQ(verdicts[6].route->label(), "senior");
  EXPECT_EQ(verdicts[6].route->max_input_tokens, 190000);
}

TEST(RouteConditions, CapsAndNamesAreRead) {
  const auto config = load(kRules);
  EXPECT_EQ(config.routes[4].max_tokens, 4096);
  EXPECT_EQ(config.routes[6].overflow.at(0).model, "qwen2.5-coder");
  EXPECT_EQ(config.routes[2].model_pattern, "senior");
  EXPECT_EQ(config.routes[2].models, (std::vector<std::string>{"senior", "claude-opus-*", "claude-sonnet-*"}));
}

TEST(RouteConditions, MistakesAreReportedWithTheirLine) {
  auto error = [](const std::string& routes) {
    try {
      load(routes);
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  EXPECT_NE(error("routes:\n  - match: {dialect: cobol}\n    to: [local]\n").find("test.yaml:6: "), std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {dialect: cobol}\n    to: [local]\n").find("unknown dialect 'cobol'"), std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {tools: maybe}\n    to: [local]\n").find("expected true or false"), std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {min_input_tokens: 10, max_input_tokens: 5}\n    to: [local]\n")
                .find("smaller than min_input_tokens"),
            std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {header: x}\n    to: [local]\n").find("mapping of header names"), std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {path: /v2/x}\n    to: [local]\n").find("unknown path '/v2/x'"), std::string::npos);
  EXPECT_NE(error("routes:\n  - {name: a, to: [local]}\n  - {name: a, to: [local]}\n").find("route name 'a' is used twice"),
            std::string::npos);
  EXPECT_NE(error("routes:\n  - match: {modle: x}\n    to: [local]\n").find("unknown key 'modle'"), std::string::npos);
  EXPECT_NE(error("aliases: [a]\nroutes:\n  - {to: [local]}\n").find("aliases: expected a mapping"), std::string::npos);
}

}  // namespace
}  // namespace spillway::route
