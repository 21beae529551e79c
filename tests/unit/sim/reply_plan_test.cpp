#include "sim/reply_plan.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

namespace spillway::sim {
namespace {

ReplyPlan text(std::string t) {
  ReplyPlan p;
  p.kind = ReplyPlan::Kind::text;
  p.text = std::move(t);
  return p;
}

// A request that would trigger the "call tool NAME" convention.
MockRequest tool_request() {
  MockRequest r;
  r.model = "m";
  r.has_tools = true;
  r.last_user_text = "please call tool lookup_weather now";
  return r;
}

struct Fixture {
  std::vector<ReplyPlan> script = {text("scripted one"), text("scripted two")};
  std::atomic<std::uint64_t> next{0};
  PlanSources sources;

  // Every rule armed at once; tests switch them off from the top.
  Fixture() {
    sources.status_header = "503";
    sources.overloaded_roll = true;
    sources.internal_error_roll = true;
    sources.tool_call_header = R"(from_header {"x": 1})";
    sources.reply_header = "header reply";
    sources.script = &script;
    sources.script_next = &next;
    sources.default_reply = "default reply";
  }

  ReplyPlan choose(const MockRequest& req = tool_request()) {
    ReplyPlan plan;
    EXPECT_TRUE(choose_plan(sources, req, plan));
    return plan;
  }
};

TEST(ChoosePlan, PriorityOrder) {
  Fixture f;
  f.sources.dialect = Dialect::anthropic;

  auto plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::error);
  EXPECT_EQ(plan.status, 503) << "1. x-mock-status";

  f.sources.status_header = {};
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::error);
  EXPECT_EQ(plan.status, 529) << "2. forced overload (Anthropic)";

  f.sources.overloaded_roll = false;
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::error);
  EXPECT_EQ(plan.status, 500) << "2. forced 500";

  f.sources.internal_error_roll = false;
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::tool) << "3. x-mock-tool-call";
  EXPECT_EQ(plan.tool_name, "from_header");
  EXPECT_EQ(plan.tool_input, R"({"x":1})");

  f.sources.tool_call_header = {};
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::text);
  EXPECT_EQ(plan.text, "header reply") << "4. x-mock-reply";

  f.sources.reply_header = {};
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::text);
  EXPECT_EQ(plan.text, "scripted one") << "5. script";

  f.script.clear();
  plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::tool) << "6. call tool NAME";
  EXPECT_EQ(plan.tool_name, "lookup_weather");
  EXPECT_EQ(plan.tool_input, R"({"input":"please call tool lookup_weather now"})");

  MockRequest plain;
  plain.model = "m";
  plan = f.choose(plain);
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::text);
  EXPECT_EQ(plan.text, "default reply") << "7. --reply";
}

TEST(ChoosePlan, OpenAIOverloadIs503) {
  Fixture f;
  f.sources.dialect = Dialect::openai;
  f.sources.status_header = {};
  const auto plan = f.choose();
  EXPECT_EQ(plan.kind, ReplyPlan::Kind::error);
  EXPECT_EQ(plan.status, 503);
}

TEST(ChoosePlan, UnusableStatusHeaderFallsThrough) {
  for (const char* bad : {"200", "abc", "42x", "600", "399"}) {
    Fixture f;
    f.sources.status_header = bad;
    f.sources.overloaded_roll = false;
    f.sources.internal_error_roll = false;
    f.sources.tool_call_header = {};
    const auto plan = f.choose();
    EXPECT_EQ(plan.kind, ReplyPlan::Kind::text) << bad;
    EXPECT_EQ(plan.text, "header reply") << bad;
  }
}

TEST(ChoosePlan, BadToolCallHeaderIsRefusedEvenWithAReplyHeader) {
  Fixture f;
  f.sources.status_header = {};
  f.sources.overloaded_roll = false;
  f.sources.internal_error_roll = false;
  for (const char* bad : {"name [1,2]", "name {not json", "{\"a\":1}", "   "}) {
    f.sources.tool_call_header = bad;
    ReplyPlan plan;
    EXPECT_FALSE(choose_plan(f.sources, tool_request(), plan)) << bad;
  }
}

TEST(ChoosePlan, ScriptIsUsedInTurnAndWraps) {
  Fixture f;
  f.sources = PlanSources{};
  f.sources.script = &f.script;
  f.sources.script_next = &f.next;
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    seen.push_back(f.choose().text);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"scripted one", "scripted two", "scripted one",
                                            "scripted two", "scripted one"}));
  EXPECT_EQ(f.next.load(), 5u);
}

TEST(ChoosePlan, HeadersDoNotAdvanceTheScript) {
  Fixture f;
  f.sources.status_header = {};
  f.sources.overloaded_roll = false;
  f.sources.internal_error_roll = false;
  f.sources.tool_call_header = {};
  EXPECT_EQ(f.choose().text, "header reply");
  f.sources.reply_header = {};
  EXPECT_EQ(f.choose().text, "scripted one");
}

TEST(ParseToolCallHeader, NameAndArguments) {
  auto p = parse_tool_call_header("  get_time  ");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tool_name, "get_time");
  EXPECT_EQ(p->tool_input, "{}");
  p = parse_tool_call_header(R"(read-file { "path" : "a b.txt" })");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tool_name, "read-file");
  EXPECT_EQ(p->tool_input, R"({"path":"a b.txt"})");
  EXPECT_FALSE(parse_tool_call_header(""));
  EXPECT_FALSE(parse_tool_call_header("f \"str\""));
}

TEST(ToolCallFromText, NeedsToolsAndTheMarker) {
  auto r = tool_request();
  EXPECT_TRUE(tool_call_from_text(r));
  r.has_tools = false;
  EXPECT_FALSE(tool_call_from_text(r));
  r = tool_request();
  r.last_user_text = "call tool ";
  EXPECT_FALSE(tool_call_from_text(r));
  r.last_user_text = "nothing to see";
  EXPECT_FALSE(tool_call_from_text(r));
}

TEST(ParseMockRequest, ReadsWhatTheSimulatorNeeds) {
  const std::string body =
      R"({"model":"claude-x","stream":true,"max_tokens":7,"system":"be brief",)"
      R"("tools":[{"name":"t"}],"messages":[{"role":"assistant","content":"a"},)"
      R"({"role":"user","content":[{"type":"text","text":"one"},{"type":"image"},)"
      R"({"type":"text","text":"call tool t"}]}]})";
  auto parsed = parse_mock_request(body);
  ASSERT_TRUE(std::holds_alternative<MockRequest>(parsed));
  const auto& r = std::get<MockRequest>(parsed);
  EXPECT_EQ(r.model, "claude-x");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_TRUE(r.has_tools);
  EXPECT_EQ(r.last_user_text, "one\ncall tool t");
  // ceil(bytes of the compact messages + system + tools JSON / 4)
  const std::string messages =
      R"([{"role":"assistant","content":"a"},{"role":"user","content":[{"type":"text","text":"one"},{"type":"image"},{"type":"text","text":"call tool t"}]}])";
  const std::size_t bytes = messages.size() + std::string(R"("be brief")").size() +
                            std::string(R"([{"name":"t"}])").size();
  EXPECT_EQ(r.input_tokens, static_cast<std::int64_t>((bytes + 3) / 4));
}

TEST(ParseMockRequest, OpenAIOptions) {
  auto parsed = parse_mock_request(
      R"({"model":"gpt","max_tokens":50,"max_completion_tokens":9,"stream_options":{"include_usage":true},"messages":[]})");
  ASSERT_TRUE(std::holds_alternative<MockRequest>(parsed));
  const auto& r = std::get<MockRequest>(parsed);
  EXPECT_EQ(r.max_tokens, 9);
  EXPECT_TRUE(r.include_usage);
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.has_tools);
  EXPECT_EQ(r.input_tokens, 1);  // "[]" is 2 bytes
}

TEST(ParseMockRequest, RejectsBadBodies) {
  for (const char* bad : {"", "[]", "{", R"({"messages":[]})", R"({"model":""})", R"({"model":3})"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_mock_request(bad))) << bad;
  }
}

class ScriptFile : public ::testing::Test {
 protected:
  std::string path_ = ::testing::TempDir() + "spillway_sim_script_" +
                      std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json";
  void write(const std::string& text) { std::ofstream(path_) << text; }
  void TearDown() override { std::remove(path_.c_str()); }
};

TEST_F(ScriptFile, LoadsAllEntryKinds) {
  write(R"([{"text":"hi"},{"tool":"read","input":{"p":1}},{"tool":"noargs"},{"status":529},)"
        R"({"status":500,"message":"broke"}])");
  const auto plans = load_script(path_);
  ASSERT_EQ(plans.size(), 5u);
  EXPECT_EQ(plans[0].kind, ReplyPlan::Kind::text);
  EXPECT_EQ(plans[0].text, "hi");
  EXPECT_EQ(plans[1].kind, ReplyPlan::Kind::tool);
  EXPECT_EQ(plans[1].tool_input, R"({"p":1})");
  EXPECT_EQ(plans[2].tool_input, "{}");
  EXPECT_EQ(plans[3].kind, ReplyPlan::Kind::error);
  EXPECT_EQ(plans[3].status, 529);
  EXPECT_EQ(plans[4].text, "broke");
}

TEST_F(ScriptFile, BadEntriesNameTheEntry) {
  for (const char* bad : {R"([{"text":"ok"},{"nothing":1}])", R"([{"text":"ok"},{"status":200}])",
                          R"([{"text":"ok"},{"tool":"x","input":[1]}])"}) {
    write(bad);
    try {
      load_script(path_);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("entry 1"), std::string::npos) << e.what();
    }
  }
  for (const char* bad : {"[]", "{}", "not json"}) {
    write(bad);
    EXPECT_THROW(load_script(path_), std::runtime_error) << bad;
  }
  EXPECT_THROW(load_script(path_ + ".missing"), std::runtime_error);
}

}  // namespace
}  // namespace spillway::sim
