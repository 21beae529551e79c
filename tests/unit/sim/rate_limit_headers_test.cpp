#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "sim/rate_limits.hpp"

namespace spillway::sim {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimits::clock;
using Wall = std::chrono::system_clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;
// 2026-01-12T23:11:30Z
const Wall::time_point wall0 =
    std::chrono::sys_days{std::chrono::year{2026} / 1 / 12} + 23h + 11min + 30s;

// Splits "name: value\r\n" lines, insisting on that exact framing.
std::map<std::string, std::string> parse_headers(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const auto eol = text.find("\r\n");
    EXPECT_NE(eol, std::string_view::npos) << "unterminated header line";
    if (eol == std::string_view::npos) {
      break;
    }
    const auto line = text.substr(0, eol);
    const auto colon = line.find(": ");
    EXPECT_NE(colon, std::string_view::npos) << line;
    if (colon != std::string_view::npos) {
      const bool inserted =
          out.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)))
              .second;
      EXPECT_TRUE(inserted) << "duplicate header " << line;
    }
    text.remove_prefix(eol + 2);
  }
  return out;
}

std::map<std::string, std::string> headers_of(RateLimits& limits, Dialect dialect,
                                               Clock::time_point now) {
  std::string out;
  limits.append_headers(out, dialect, now, wall0);
  return parse_headers(out);
}

TEST(GoDuration, WritesDurationsTheWayOpenAIDoes) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(-3), "0s");
  EXPECT_EQ(go_duration(0.02), "20ms");
  EXPECT_EQ(go_duration(0.0004), "1ms");  // rounded up, never "0ms" while something is owed
  EXPECT_EQ(go_duration(0.999), "999ms");
  EXPECT_EQ(go_duration(1), "1s");
  EXPECT_EQ(go_duration(1.5), "1.5s");
  EXPECT_EQ(go_duration(2.25), "2.25s");
  EXPECT_EQ(go_duration(17.125), "17.125s");
  EXPECT_EQ(go_duration(60), "1m0s");
  EXPECT_EQ(go_duration(61.25), "1m1.25s");
  EXPECT_EQ(go_duration(360), "6m0s");
  EXPECT_EQ(go_duration(3600), "1h0m0s");
  EXPECT_EQ(go_duration(3723), "1h2m3s");
}

TEST(Rfc3339After, RoundsUpToTheNextWholeSecond) {
  EXPECT_EQ(rfc3339_after(wall0, 0), "2026-01-12T23:11:30Z");
  EXPECT_EQ(rfc3339_after(wall0, 0.001), "2026-01-12T23:11:31Z");
  EXPECT_EQ(rfc3339_after(wall0, 1), "2026-01-12T23:11:31Z");
  EXPECT_EQ(rfc3339_after(wall0, 29.5), "2026-01-12T23:12:00Z");
  EXPECT_EQ(rfc3339_after(wall0 + 250ms, 0), "2026-01-12T23:11:31Z");
  EXPECT_EQ(rfc3339_after(wall0, -5), "2026-01-12T23:11:30Z");
  // Across midnight, month and year ends.
  const auto new_year_eve = std::chrono::sys_days{std::chrono::year{2025} / 12 / 31} + 23h + 59min + 59s;
  EXPECT_EQ(rfc3339_after(new_year_eve, 2), "2026-01-01T00:00:01Z");
}

TEST(RateLimitHeaders, UnlimitedGetsNone) {
  RateLimits limits(0, 0, 0, t0);
  std::string out = "keep";
  limits.append_headers(out, Dialect::anthropic, t0, wall0);
  limits.append_headers(out, Dialect::openai, t0, wall0);
  EXPECT_EQ(out, "keep");
}

TEST(RateLimitHeaders, AnthropicRequestsOnly) {
  RateLimits limits(60, 0, 0, t0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limits.admit(0, t0).admitted);
  }
  const auto h = headers_of(limits, Dialect::anthropic, t0);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-limit"), "60");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-remaining"), "57");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-reset"), "2026-01-12T23:11:33Z");
}

TEST(RateLimitHeaders, AnthropicResetRoundsUpAndRemainingIsExact) {
  RateLimits limits(60, 0, 0, t0);
  ASSERT_TRUE(limits.admit(0, t0).admitted);
  // 250 ms later the bucket holds 59.25: remaining 59, full again in 0.75 s.
  const auto h = headers_of(limits, Dialect::anthropic, t0 + 250ms);
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-remaining"), "59");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-reset"), "2026-01-12T23:11:31Z");
}

TEST(RateLimitHeaders, AnthropicAllDimensionsAndCombinedTokens) {
  RateLimits limits(50, 600, 120, t0);  // input refills 10/s, output 2/s
  ASSERT_TRUE(limits.admit(100, t0).admitted);
  limits.spend_output(30, t0);
  const auto h = headers_of(limits, Dialect::anthropic, t0);
  EXPECT_EQ(h.size(), 12u);
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-limit"), "50");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-remaining"), "49");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-reset"), "2026-01-12T23:11:32Z");  // 1.2 s
  EXPECT_EQ(h.at("anthropic-ratelimit-input-tokens-limit"), "600");
  EXPECT_EQ(h.at("anthropic-ratelimit-input-tokens-remaining"), "500");
  EXPECT_EQ(h.at("anthropic-ratelimit-input-tokens-reset"), "2026-01-12T23:11:40Z");  // 10 s
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-limit"), "120");
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-remaining"), "90");
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-reset"), "2026-01-12T23:11:45Z");  // 15 s
  EXPECT_EQ(h.at("anthropic-ratelimit-tokens-limit"), "720");
  EXPECT_EQ(h.at("anthropic-ratelimit-tokens-remaining"), "590");
  EXPECT_EQ(h.at("anthropic-ratelimit-tokens-reset"), "2026-01-12T23:11:45Z");
  for (const auto& [name, value] : h) {
    EXPECT_EQ(name.rfind("x-ratelimit-", 0), std::string::npos) << name;
  }
}

TEST(RateLimitHeaders, NegativeLevelReportsZeroRemaining) {
  RateLimits limits(0, 0, 60, t0);
  limits.spend_output(100, t0);
  const auto h = headers_of(limits, Dialect::anthropic, t0);
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-remaining"), "0");
  // From -40 to 60 at one per second.
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-reset"), "2026-01-12T23:13:10Z");
  EXPECT_EQ(h.count("anthropic-ratelimit-requests-limit"), 0u);
  EXPECT_EQ(h.count("anthropic-ratelimit-input-tokens-limit"), 0u);
}

TEST(RateLimitHeaders, OpenAIRequestsAndCombinedTokens) {
  RateLimits limits(60, 600, 120, t0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limits.admit(i == 0 ? 100 : 0, t0).admitted);
  }
  limits.spend_output(30, t0);
  const auto h = headers_of(limits, Dialect::openai, t0);
  EXPECT_EQ(h.size(), 6u);
  EXPECT_EQ(h.at("x-ratelimit-limit-requests"), "60");
  EXPECT_EQ(h.at("x-ratelimit-remaining-requests"), "57");
  EXPECT_EQ(h.at("x-ratelimit-reset-requests"), "3s");
  EXPECT_EQ(h.at("x-ratelimit-limit-tokens"), "720");
  EXPECT_EQ(h.at("x-ratelimit-remaining-tokens"), "590");
  EXPECT_EQ(h.at("x-ratelimit-reset-tokens"), "15s");
}

TEST(RateLimitHeaders, OpenAIDurationsInMinutesAndMilliseconds) {
  RateLimits limits(3000, 0, 60, t0);  // requests refill 50/s; output 1/s
  ASSERT_TRUE(limits.admit(0, t0).admitted);
  limits.spend_output(360, t0);
  const auto h = headers_of(limits, Dialect::openai, t0);
  EXPECT_EQ(h.at("x-ratelimit-reset-requests"), "20ms");
  EXPECT_EQ(h.at("x-ratelimit-limit-tokens"), "60");
  EXPECT_EQ(h.at("x-ratelimit-remaining-tokens"), "0");
  EXPECT_EQ(h.at("x-ratelimit-reset-tokens"), "6m0s");
  for (const auto& [name, value] : h) {
    EXPECT_EQ(name.rfind("anthropic-", 0), std::string::npos) << name;
  }
}

TEST(RateLimitHeaders, OpenAIFullBucketResetsNow) {
  RateLimits limits(60, 0, 0, t0);
  const auto h = headers_of(limits, Dialect::openai, t0);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.at("x-ratelimit-remaining-requests"), "60");
  EXPECT_EQ(h.at("x-ratelimit-reset-requests"), "0s");
  EXPECT_EQ(h.count("x-ratelimit-limit-tokens"), 0u);
}

}  // namespace
}  // namespace spillway::sim
