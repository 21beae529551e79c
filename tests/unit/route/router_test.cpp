#include <gtest/gtest.h>

#include "route/router.hpp"

namespace spillway::route {
namespace {

config::Upstream upstream(std::string name, std::vector<std::string> models = {}) {
  config::Upstream u;
  u.name = std::move(name);
  u.models = std::move(models);
  return u;
}

config::Route route(std::string pattern, std::vector<config::RouteTarget> to) {
  config::Route r;
  r.model_pattern = std::move(pattern);
  r.to = std::move(to);
  return r;
}

config::Config sample() {
  config::Config c;
  c.upstreams = {upstream("claude", {"claude-sonnet-4-5", "claude-opus-4-1"}), upstream("claude2"),
                 upstream("local", {"qwen2.5-coder-32b"})};
  c.routes = {
      route("claude-opus-*", {{"claude", ""}, {"claude2", ""}}),
      route("claude-*", {{"claude", ""}, {"local", "qwen2.5-coder-32b"}}),
      route("fast", {{"local", "qwen2.5-coder-32b"}}),
  };
  return c;
}

std::vector<std::string> chain(const Router& router, std::string_view model) {
  auto result = router.resolve(model);
  EXPECT_TRUE(std::holds_alternative<std::vector<Candidate>>(result)) << model;
  std::vector<std::string> out;
  if (auto* candidates = std::get_if<std::vector<Candidate>>(&result)) {
    for (const auto& c : *candidates) {
      out.push_back(c.upstream->name + ":" + c.model);
    }
  }
  return out;
}

ApiError error_for(const Router& router, std::string_view model) {
  auto result = router.resolve(model);
  EXPECT_TRUE(std::holds_alternative<ApiError>(result)) << model;
  if (auto* e = std::get_if<ApiError>(&result)) {
    return *e;
  }
  return {};
}

TEST(Router, FirstMatchWins) {
  config::Config c = sample();
  Router router(c);
  EXPECT_EQ(chain(router, "claude-opus-4-1"), (std::vector<std::string>{"claude:claude-opus-4-1", "claude2:claude-opus-4-1"}));
  EXPECT_EQ(chain(router, "claude-sonnet-4-5"),
            (std::vector<std::string>{"claude:claude-sonnet-4-5", "local:qwen2.5-coder-32b"}));
}

TEST(Router, CandidatesPointIntoTheConfig) {
  config::Config c = sample();
  Router router(c);
  auto result = router.resolve("fast");
  ASSERT_TRUE(std::holds_alternative<std::vector<Candidate>>(result));
  EXPECT_EQ(std::get<std::vector<Candidate>>(result).at(0).upstream, &c.upstreams[2]);
}

TEST(Router, RewritesTheModelName) {
  config::Config c = sample();
  Router router(c);
  EXPECT_EQ(chain(router, "fast"), (std::vector<std::string>{"local:qwen2.5-coder-32b"}));
}

TEST(Router, UnknownModelIsNotFoundListingKnownModels) {
  config::Config c = sample();
  Router router(c);
  ApiError e = error_for(router, "gpt-5");
  EXPECT_EQ(e.kind, ErrorKind::not_found);
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.source, ErrorSource::client);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.message,
            "model 'gpt-5' is not served by this gateway; known models: claude-opus-4-1, claude-sonnet-4-5, fast; "
            "also models matching: claude-opus-*, claude-*");
}

TEST(Router, UnknownModelWithOnlyGlobRoutesListsPatterns) {
  config::Config c;
  c.upstreams = {upstream("a")};
  c.routes = {route("claude-*", {{"a", ""}})};
  Router router(c);
  EXPECT_EQ(error_for(router, "gpt-4o").message,
            "model 'gpt-4o' is not served by this gateway; it serves models matching: claude-*");
}

TEST(Router, UnknownModelWithNoRoutesAtAll) {
  config::Config c;
  c.upstreams = {upstream("a")};
  Router router(c);
  EXPECT_EQ(error_for(router, "x").message, "model 'x' is not served by this gateway; no models are configured");
  EXPECT_TRUE(router.exposed_models().empty());
}

TEST(Router, ExposedModelsAreLiteralRoutesAndUnrewrittenUpstreamModels) {
  config::Config c = sample();
  Router router(c);
  std::vector<std::string> ids;
  std::vector<std::string> owners;
  for (const auto& m : router.exposed_models()) {
    ids.push_back(m.id);
    owners.push_back(m.upstream);
  }
  // qwen2.5-coder-32b is listed by `local` but no route reaches it under that name.
  EXPECT_EQ(ids, (std::vector<std::string>{"claude-opus-4-1", "claude-sonnet-4-5", "fast"}));
  EXPECT_EQ(owners, (std::vector<std::string>{"claude", "claude", "local"}));
}

TEST(Router, UpstreamModelShadowedByAnEarlierRouteIsNotExposed) {
  config::Config c;
  c.upstreams = {upstream("a", {"m1"}), upstream("b", {"m1", "m2"})};
  c.routes = {route("m*", {{"a", ""}}), route("*", {{"b", ""}})};
  Router router(c);
  // m1 and m2 both resolve to `a` under their own name; only `a` lists m1, so m2 is not exposed
  // by `b` (a request for it would go to `a`).
  ASSERT_EQ(router.exposed_models().size(), 1u);
  EXPECT_EQ(router.exposed_models()[0].id, "m1");
  EXPECT_EQ(router.exposed_models()[0].upstream, "a");
}

TEST(Router, LongModelListsAreCut) {
  config::Config c;
  c.upstreams = {upstream("a")};
  for (int i = 0; i < 25; ++i) {
    c.routes.push_back(route("m" + std::to_string(100 + i), {{"a", ""}}));
  }
  Router router(c);
  std::string message = error_for(router, "x").message;
  EXPECT_NE(message.find("m119 and 5 more"), std::string::npos) << message;
  EXPECT_EQ(message.find("m120"), std::string::npos) << message;
}

}  // namespace
}  // namespace spillway::route
