#include "sim/demo_workload.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace spillway::sim {
namespace {

namespace json = boost::json;

TEST(DemoWorkload, SameSeedSameTasksOtherSeedOtherTasks) {
  const TaskPlan a = plan_task(1, 2, 3);
  const TaskPlan b = plan_task(1, 2, 3);
  ASSERT_EQ(a.steps.size(), b.steps.size());
  EXPECT_EQ(a.initial_context_tokens, b.initial_context_tokens);
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].tool_result_tokens, b.steps[i].tool_result_tokens);
    EXPECT_EQ(a.steps[i].sub_agents, b.steps[i].sub_agents);
    EXPECT_EQ(a.steps[i].side_request, b.steps[i].side_request);
  }
  // Over a few agents and tasks, some plan differs from agent 0's first.
  bool differs = false;
  for (int agent = 0; agent < 4; ++agent) {
    for (int task = 0; task < 4; ++task) {
      differs = differs || plan_task(1, agent, task).initial_context_tokens != a.initial_context_tokens;
    }
  }
  EXPECT_TRUE(differs);
}

TEST(DemoWorkload, TasksHaveTheDocumentedShape) {
  int with_sub_agents = 0;
  int tasks = 0;
  for (int agent = 0; agent < 6; ++agent) {
    for (int task = 0; task < 20; ++task) {
      const TaskPlan plan = plan_task(7, agent, task);
      ++tasks;
      ASSERT_GE(plan.steps.size(), 6u);
      ASSERT_LE(plan.steps.size(), 12u);
      EXPECT_GE(plan.initial_context_tokens, 5000);
      EXPECT_LE(plan.initial_context_tokens, 8000);
      EXPECT_TRUE(plan.steps.front().side_request) << "the title request goes out with the first step";
      EXPECT_EQ(plan.steps.front().sub_agents, 0);
      EXPECT_EQ(plan.steps.back().sub_agents, 0);
      bool any = false;
      for (const auto& step : plan.steps) {
        EXPECT_GE(step.tool_result_tokens, 800);
        EXPECT_LE(step.tool_result_tokens, 2500);
        any = any || step.sub_agents > 0;
      }
      with_sub_agents += any;
    }
  }
  // About one step in five hands work to sub-agents: most tasks have some, not all.
  EXPECT_GT(with_sub_agents, tasks / 3);
  EXPECT_LT(with_sub_agents, tasks);
}

TEST(DemoWorkload, ContextTextIsAboutTheAskedTokens) {
  DemoRng rng(3);
  for (int tokens : {1, 100, 2500}) {
    EXPECT_EQ(context_text(rng, tokens).size(), static_cast<std::size_t>(tokens) * 4);
  }
  DemoRng r1(5);
  DemoRng r2(6);
  EXPECT_NE(context_text(r1, 200), context_text(r2, 200));
}

TEST(DemoWorkload, TheContextGrowsWithEveryTurnAndIsSentWhole) {
  Conversation c("the task");
  std::size_t last = json::serialize(json::parse(request_body(CallKind::main, c))).size();
  for (int i = 0; i < 4; ++i) {
    c.add_turn("reply " + std::to_string(i), "tool result " + std::string(1000, 'x'));
    const auto body = json::parse(request_body(CallKind::main, c)).as_object();
    const auto& messages = body.at("messages").as_array();
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(3 + 2 * i));
    EXPECT_EQ(messages.front().at("role"), "user");
    EXPECT_EQ(messages.back().at("role"), "user");
    EXPECT_EQ(messages[1].at("role"), "assistant");
    const auto size = json::serialize(body).size();
    EXPECT_GT(size, last + 1000);
    last = size;
  }
}

TEST(DemoWorkload, MainLoopsStreamWithToolsSideRequestsDoNot) {
  Conversation c("the task");
  const auto main = json::parse(request_body(CallKind::main, c)).as_object();
  EXPECT_EQ(main.at("model"), "claude-sonnet-4-5");
  EXPECT_EQ(main.at("stream"), true);
  EXPECT_GT(main.at("tools").as_array().size(), 0u);
  const auto sub = json::parse(request_body(CallKind::sub, c)).as_object();
  EXPECT_TRUE(sub.contains("tools"));
  const auto side = json::parse(request_body(CallKind::side, c)).as_object();
  EXPECT_EQ(side.at("model"), "claude-haiku-4-5");
  EXPECT_FALSE(side.contains("tools")) << "the gateway tells side requests by their missing tools";
  EXPECT_FALSE(side.contains("stream"));
  EXPECT_EQ(side.at("messages").as_array().size(), 1u);
}

TEST(DemoWorkload, RetriesLikeTheSdks) {
  // Honours retry-after-ms first, then retry-after.
  EXPECT_EQ(sdk_retry_delay_s({.status = 429, .retry_after_ms = "1500", .retry_after = "9"}), 1.5);
  EXPECT_EQ(sdk_retry_delay_s({.status = 429, .retry_after = "3"}), 3.0);
  // Two retries, then the error reaches the agent.
  EXPECT_TRUE(sdk_retry_delay_s({.status = 429, .retries_done = 1, .retry_after = "1"}));
  EXPECT_FALSE(sdk_retry_delay_s({.status = 429, .retries_done = 2, .retry_after = "1"}));
  // Backoff without a server delay: 0.5 s, then 1 s, less up to 25 % jitter.
  EXPECT_EQ(sdk_retry_delay_s({.status = 529, .retries_done = 0, .jitter = 0}), 0.5);
  EXPECT_EQ(sdk_retry_delay_s({.status = 500, .retries_done = 1, .jitter = 0}), 1.0);
  EXPECT_DOUBLE_EQ(*sdk_retry_delay_s({.status = 0, .retries_done = 1, .jitter = 0.5}), 0.875);
  // What is not retried.
  EXPECT_FALSE(sdk_retry_delay_s({.status = 400}));
  EXPECT_FALSE(sdk_retry_delay_s({.status = 404}));
  EXPECT_FALSE(sdk_retry_delay_s({.status = 429, .retry_after = "1", .should_retry = "false"}));
  EXPECT_TRUE(sdk_retry_delay_s({.status = 400, .should_retry = "true"}));
}

}  // namespace
}  // namespace spillway::sim
