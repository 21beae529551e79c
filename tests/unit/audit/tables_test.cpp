// The data files: the built-in ones load, and a bad file's error names its line.
#include <gtest/gtest.h>

#include "audit/prices.hpp"
#include "audit/tiers.hpp"

namespace spillway::audit {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(TierTable, BuiltInTableLoadsWithDateAndSource) {
  const auto t = TierTable::builtin();
  EXPECT_FALSE(t.date().empty());
  EXPECT_NE(t.source().find("from memory"), std::string::npos);  // OpenAI's figures say so
  ASSERT_GE(t.providers().size(), 2u);
  EXPECT_EQ(t.providers()[0].name, "anthropic");
  const auto* sonnet = t.providers()[0].find_class("claude-sonnet-4-5-20250929");
  ASSERT_NE(sonnet, nullptr);
  EXPECT_EQ(sonnet->name, "Claude Sonnet 4.x");
  // PROTOCOLS.md, Tier 1 for Sonnet 4.x: 50 RPM / 30,000 ITPM / 8,000 OTPM.
  EXPECT_EQ(sonnet->tiers[0].rpm, 50);
  EXPECT_EQ(sonnet->tiers[0].itpm, 30000);
  EXPECT_EQ(sonnet->tiers[0].otpm, 8000);
  const auto* haiku35 = t.providers()[0].find_class("claude-3-5-haiku-20241022");
  ASSERT_NE(haiku35, nullptr);
  EXPECT_TRUE(haiku35->counts_cache_reads);
  // The first matching class wins: gpt-5-mini is not GPT-5.
  EXPECT_EQ(t.providers()[1].find_class("gpt-5-mini")->name, "GPT-5 mini / nano");
  EXPECT_EQ(t.providers()[1].find_class("gpt-5")->name, "GPT-5");
  EXPECT_EQ(t.providers()[1].find_class("qwen-32b"), nullptr);
  ASSERT_TRUE(t.local_gpu().has_value());
  EXPECT_GT(t.local_gpu()->input_tokens_per_s, 0);
  EXPECT_FALSE(t.provisioned().empty());
  EXPECT_TRUE(t.provisioned()[0].example);
}

TEST(TierTable, OverrideReplacesAProviderAndKeepsTheRest) {
  auto t = TierTable::builtin();
  const auto builtin_offers = t.provisioned().size();
  t.override_with(TierTable::parse(R"(date: "2026-09-01"
source: our contract
providers:
  - name: anthropic
    classes:
      - name: everything
        match: ["claude-*"]
        tiers: [{name: custom, rpm: 10000, itpm: 9000000, otpm: 900000}]
)",
                                   "ours.yaml"));
  EXPECT_EQ(t.providers()[0].classes.size(), 1u);
  EXPECT_EQ(t.providers()[0].find_class("claude-opus-4-1")->tiers[0].name, "custom");
  EXPECT_EQ(t.providers()[1].name, "openai");           // untouched
  EXPECT_EQ(t.provisioned().size(), builtin_offers);    // not in the file: kept
  EXPECT_EQ(t.date().rfind("2026-09-01 (overrides)", 0), 0u) << t.date();
  EXPECT_EQ(t.source().rfind("our contract; then ", 0), 0u) << t.source();
}

TEST(TierTable, ErrorsNameTheLine) {
  EXPECT_EQ(error_of([] {
              TierTable::parse("providers:\n  - name: x\n    classes:\n      - name: c\n        match: [a]\n"
                               "        tiers:\n          - {name: t, rpm: -3}\n",
                               "t.yaml");
            }),
            "t.yaml:7: `rpm` must be between 1 and 1000000000000");
  EXPECT_EQ(error_of([] { TierTable::parse("providers:\n  - name: x\n    clases: []\n", "t.yaml"); }),
            "t.yaml:3: unknown key `clases` in a provider (expected name, source, classes)");
  EXPECT_EQ(error_of([] {
              TierTable::parse("local_gpu:\n  input_tokens_per_s: 10\n  output_tokens_per_s: fast\n", "t.yaml");
            }),
            "t.yaml:3: `output_tokens_per_s` must be a number");
  EXPECT_EQ(error_of([] {
              TierTable::parse("providers:\n  - name: x\n    classes:\n      - name: c\n        match: [a]\n"
                               "        tiers:\n          - {name: t}\n",
                               "t.yaml");
            }),
            "t.yaml:7: tier `t` has no limit (give rpm, itpm, otpm or tpm)");
  EXPECT_EQ(error_of([] { TierTable::parse("providers: [\n", "t.yaml"); }).rfind("t.yaml:", 0), 0u);
  EXPECT_EQ(error_of([] { TierTable::parse("provisioned:\n  - {name: u}\n", "t.yaml"); }),
            "t.yaml:2: a provisioned offer needs `tokens_per_minute`");
}

TEST(PriceTable, ErrorsNameTheLine) {
  EXPECT_EQ(error_of([] { PriceTable::parse("models:\n  - {match: a, input: 1, output: x}\n", "p.yaml"); }),
            "p.yaml:2: `output` must be a number (USD per million tokens)");
}

}  // namespace
}  // namespace spillway::audit
