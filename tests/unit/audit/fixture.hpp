#pragma once
// A real audit database in the test temp dir, filled by plain SQL, and the hand-computed
// figures the report must find in it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "audit/schema.hpp"

// Rows are written as designated initializers naming only what differs from Row's defaults;
// GCC's -Wextra would warn about every member left out, which is the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace spillway::audit::test {

// 2026-03-01T14:00:00Z, from `date -u -d 2026-03-01T14:00:00Z +%s` (not from the code under test).
inline constexpr std::int64_t T0 = 1772373600LL * 1000;
inline constexpr std::int64_t S = 1000;       // a second
inline constexpr std::int64_t M = 60 * 1000;  // a minute

struct Row {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string key_name = "k1";
  std::string agent;
  std::string session;
  std::string model = "claude-sonnet-4-5";
  std::string route = "claude-*";
  std::string upstream = "anthropic";
  std::string upstream_model = "claude-sonnet-4-5-20250929";
  std::int64_t queued_ms = 0;
  int status = 200;
  bool overflowed = false;
  std::string refused_by;
  std::int64_t input = 0, output = 0, cache_read = 0, cache_write = 0;
  bool estimated = false;
  std::optional<double> cost;
};

// A path under the test temp dir named after the running test.
inline std::string temp_path(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path =
      ::testing::TempDir() + "spillway_audit_" + info->test_suite_name() + "_" + info->name() + suffix;
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

inline void insert(sqlite3* db, const Row& r) {
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO requests (start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, "
                               "endpoint, model, route, upstream, upstream_model, attempts, queued_ms, status, stream, "
                               "overflowed, refused_by, input_tokens, output_tokens, cache_read_tokens, "
                               "cache_write_tokens, usage_estimated, cost_usd) VALUES (?, ?, NULL, ?, ?, ?, "
                               "'anthropic', 'messages', ?, ?, ?, ?, 1, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                               -1, &s, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  int i = 0;
  sqlite3_bind_int64(s, ++i, r.start_ms);
  sqlite3_bind_int64(s, ++i, r.end_ms);
  for (const auto* text : {&r.key_name, &r.agent, &r.session, &r.model, &r.route, &r.upstream, &r.upstream_model}) {
    sqlite3_bind_text(s, ++i, text->c_str(), -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_int64(s, ++i, r.queued_ms);
  sqlite3_bind_int(s, ++i, r.status);
  sqlite3_bind_int(s, ++i, r.overflowed ? 1 : 0);
  sqlite3_bind_text(s, ++i, r.refused_by.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, ++i, r.input);
  sqlite3_bind_int64(s, ++i, r.output);
  sqlite3_bind_int64(s, ++i, r.cache_read);
  sqlite3_bind_int64(s, ++i, r.cache_write);
  sqlite3_bind_int(s, ++i, r.estimated ? 1 : 0);
  if (r.cost) {
    sqlite3_bind_double(s, ++i, *r.cost);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  EXPECT_EQ(sqlite3_step(s), SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(s);
}

// The fixture. Window [14:00, 14:04) holds r1..r7; r0 (13:50) and r8 (14:10) lie outside.
//
// Per minute inside the window (tokens = input + output + cache read + cache write):
//   14:00  r1 r2     requests 2  input 1500   output 300   cache_read 5000 cache_write 300  total 7100
//   14:01  -         requests 0                                                          total 0
//   14:02  r3 r4 r5  requests 3  input 44100  output 1800                                total 45900
//   14:03  r6 r7     requests 2  input 10                                                total 10
// Totals: requests 7, input 45610, output 2100, cache_read 5000, cache_write 300, total 53010.
// Cost as stored: r1 0.01 + r2 0.003 + r3 0.135 + r5 0.5 + r6 0 + r7 (NULL stored; the price
// table's claude-sonnet-4* input rate: 10 x $3/M = 0.00003) = 0.64803; r4 (qwen-32b, no price
// anywhere) is the one unpriced request.
inline std::string make_fixture_db() {
  const std::string path = temp_path(".db");
  auto db = open_database(path, OpenMode::write);
  sqlite3* d = db.get();
  // r0: before the window.
  insert(d, {.start_ms = T0 - 10 * M, .end_ms = T0 - 10 * M + 5 * S, .agent = "early", .session = "s0",
             .input = 999, .cost = 1.0});
  // r1, r2: coder, session s1, minute 0.
  insert(d, {.start_ms = T0 + 5 * S, .end_ms = T0 + 65 * S, .agent = "coder", .session = "s1", .input = 1000,
             .output = 200, .cache_read = 5000, .cache_write = 300, .cost = 0.01});
  insert(d, {.start_ms = T0 + 30 * S, .end_ms = T0 + 40 * S, .agent = "coder", .session = "s1", .input = 500,
             .output = 100, .cost = 0.003});
  // r3: reviewer, s2, minute 2: waited 1.5 s after one 429.
  insert(d, {.start_ms = T0 + 2 * M + 10 * S, .end_ms = T0 + 2 * M + 20 * S, .key_name = "k2", .agent = "reviewer",
             .session = "s2", .queued_ms = 1500, .refused_by = "anthropic:429", .input = 40000, .output = 950,
             .cost = 0.135});
  // r4: reviewer, s2: refused twice, overflowed to the local model (no price).
  insert(d, {.start_ms = T0 + 2 * M + 50 * S, .end_ms = T0 + 2 * M + 55 * S, .key_name = "k2", .agent = "reviewer",
             .session = "s2", .upstream = "local", .upstream_model = "qwen-32b", .overflowed = true,
             .refused_by = "anthropic:429,anthropic:connect", .input = 4000, .output = 800});
  // r5: no agent, no session, no key: gpt-5, usage estimated; the stored cost is deliberately
  // not what the price table says (gpt-5: 100 x $1.25/M + 50 x $10/M = 0.000625).
  insert(d, {.start_ms = T0 + 2 * M + 30 * S, .end_ms = T0 + 2 * M + 35 * S, .key_name = "", .agent = "",
             .session = "", .model = "gpt-5", .route = "gpt-*", .upstream = "openai", .upstream_model = "gpt-5",
             .input = 100, .output = 50, .estimated = true, .cost = 0.5});
  // r6: coder, s1, minute 3: the upstream's 503 passed on to the client.
  insert(d, {.start_ms = T0 + 3 * M, .end_ms = T0 + 3 * M + 1 * S, .agent = "coder", .session = "s1", .status = 503,
             .refused_by = "anthropic:503", .cost = 0.0});
  // r7: coder, s3: the client went away (status 0); no cost stored.
  insert(d, {.start_ms = T0 + 3 * M + 20 * S, .end_ms = T0 + 3 * M + 30 * S, .agent = "coder", .session = "s3",
             .status = 0, .input = 10});
  // r8: after the window.
  insert(d, {.start_ms = T0 + 10 * M, .end_ms = T0 + 10 * M + 5 * S, .agent = "late", .session = "s9",
             .input = 777, .cost = 1.0});
  return path;
}

}  // namespace spillway::audit::test
