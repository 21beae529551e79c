#include "sim/demo_summary.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "sim/demo.hpp"
#include "sim/demo_progress.hpp"

namespace spillway::sim {
namespace {

// The summary's rows as label -> {direct, through spillway}.
std::map<std::string, std::pair<std::string, std::string>> rows(const std::string& table) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    const std::string label = line.substr(0, 34);
    const auto end = label.find_last_not_of(' ');
    std::istringstream rest(line.substr(35));
    std::string a;
    std::string b;
    rest >> a >> b;
    out[end == std::string::npos ? "" : label.substr(0, end + 1)] = {a, b};
  }
  return out;
}

TEST(DemoSummary, PrintsEachFigureFromItsSource) {
  AgentRunResult direct;
  direct.seconds = 30;
  direct.attempts = 120;
  direct.ok = 80;
  direct.rate_limited = 40;
  direct.failures = 9;
  direct.tasks_done = 3;
  direct.tasks_failed = 5;
  direct.by_upstream["premium"] = {80, 600000, 9000};
  direct.premium_by_model["claude-sonnet-4-5"] = {70, 590000, 8500};
  direct.premium_by_model["claude-haiku-4-5"] = {10, 10000, 500};
  AgentRunResult routed;
  routed.seconds = 30;
  routed.attempts = 150;
  routed.ok = 150;
  routed.tasks_done = 9;
  GatewayFigures audit;
  audit.requests = 150;
  audit.ok = 150;
  audit.overflowed = 12;
  audit.queued = 20;
  audit.max_queued_ms = 1999;
  audit.upstream_429s = 1;
  audit.premium = {60, 450000, 7000};
  audit.local = {90, 300000, 9000};
  audit.cost_usd = 1.455;

  const auto a = direct_figures(direct, 41);
  // List prices (data/prices.yaml): sonnet 3/15, haiku 1/5 USD per million.
  EXPECT_NEAR(a.cost_usd, (590000 * 3.0 + 8500 * 15.0 + 10000 * 1.0 + 500 * 5.0) / 1e6, 1e-9);
  const auto b = gateway_figures(routed, 1, audit);
  const auto r = rows(format_summary(a, b, 450000, 450000));
  EXPECT_EQ(r.at(""), std::make_pair(std::string("direct"), std::string("through")));
  EXPECT_EQ(r.at("requests sent by agents"), std::make_pair(std::string("120"), std::string("150")));
  EXPECT_EQ(r.at("429s seen by agents"), std::make_pair(std::string("40"), std::string("0")));
  EXPECT_EQ(r.at("failures seen by agents"), std::make_pair(std::string("9"), std::string("0")));
  EXPECT_EQ(r.at("tasks completed"), std::make_pair(std::string("3"), std::string("9")));
  EXPECT_EQ(r.at("429s answered by the premium"), std::make_pair(std::string("41"), std::string("1")));
  EXPECT_EQ(r.at("requests recorded"), std::make_pair(std::string("-"), std::string("150")));
  EXPECT_EQ(r.at("overflowed to local"), std::make_pair(std::string("-"), std::string("12")));
  EXPECT_EQ(r.at("longest wait ms"), std::make_pair(std::string("-"), std::string("1999")));
  EXPECT_EQ(r.at("premium input tokens"), std::make_pair(std::string("600000"), std::string("450000")));
  EXPECT_EQ(r.at("local output tokens"), std::make_pair(std::string("0"), std::string("9000")));
  EXPECT_EQ(r.at("premium tokens/min"), std::make_pair(std::string("1218000"), std::string("914000")));
  EXPECT_EQ(r.at("cost USD (local at 0)").second, "1.4550");
  EXPECT_EQ(r.at("cost USD per completed task").second, "0.1617");  // 1.455 / 9
  // 600000 / (450000 * 1.5) = 88.9 %
  EXPECT_EQ(r.at("premium ITPM utilisation %"), std::make_pair(std::string("88.9"), std::string("66.7")));
}

TEST(DemoSummary, UnknownPremiumCountsShowAsDashes) {
  const auto a = direct_figures(AgentRunResult{}, -1);
  const auto r = rows(format_summary(a, a, 0, 0));
  EXPECT_EQ(r.at("429s answered by the premium"), std::make_pair(std::string("-"), std::string("-")));
  EXPECT_EQ(r.at("requests recorded").second, "-");
  EXPECT_EQ(r.at("cost USD per completed task").first, "-") << "no task completed: no figure";
  EXPECT_EQ(r.at("premium ITPM utilisation %").first, "0.0");
}

TEST(DemoSummary, UtilisationCountsTheFullBucketAndItsRefill) {
  EXPECT_DOUBLE_EQ(itpm_utilisation(30000, 30000, 30000, 0), 1.0);
  EXPECT_DOUBLE_EQ(itpm_utilisation(30000, 30000, 30000, 60), 0.5);
  // Sped up ten times: the bucket holds 30,000, the refill is 300,000 a minute.
  EXPECT_DOUBLE_EQ(itpm_utilisation(60000, 30000, 300000, 6), 1.0);
  EXPECT_DOUBLE_EQ(itpm_utilisation(5, 0, 0, 60), 0.0);
}

TEST(DemoProgress, RowShowsTheCountersAndTheRates) {
  ProgressSample s;
  s.t = 5;
  s.attempts = 42;
  s.ok = 30;
  s.rate_limited = 12;
  s.failures = 2;
  s.tasks_done = 1;
  s.tasks_failed = 3;
  s.queue_waiting = 4;
  const auto row = format_progress_row("direct", s, 10, 1'500'000, 2500);
  EXPECT_NE(row.find("[#####.....]"), std::string::npos) << row;
  EXPECT_NE(row.find(" 42 "), std::string::npos) << row;
  EXPECT_NE(row.find(" 1/3 "), std::string::npos) << row;
  EXPECT_NE(row.find("1.5M"), std::string::npos) << row;
  EXPECT_NE(row.find("2k"), std::string::npos) << row;
  EXPECT_EQ(row.back(), '4') << row;
  s.queue_waiting = -1;
  EXPECT_EQ(format_progress_row("direct", s, 10, 0, 0).back(), '-');
  EXPECT_EQ(format_progress_header().size(), row.size());
}

TEST(DemoProgress, TokensPerMinute) {
  EXPECT_DOUBLE_EQ(tokens_per_minute(1000, 2000, 2), 30000);
  EXPECT_DOUBLE_EQ(tokens_per_minute(1000, 2000, 0.05), 0);
}

TEST(DemoTiers, SlugsFollowTheTiersFile) {
  EXPECT_EQ(tier_slug("anthropic", "tier 1"), "anthropic-tier-1");
  EXPECT_EQ(tier_slug("anthropic", "start (2026)"), "anthropic-start-2026");
  EXPECT_EQ(tier_slug("OpenAI", "Tier 5"), "openai-tier-5");
}

}  // namespace
}  // namespace spillway::sim
