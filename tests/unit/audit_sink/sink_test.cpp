// The audit database and its writer: schema creation and versions, every field of a record
// through the writer and back out of the `requests` view, nothing lost on stop, drops counted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "audit/schema.hpp"
#include "audit/sink.hpp"

namespace spillway::audit {
namespace {

class TempDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spillway-sink-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "audit.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::int64_t count(const std::string& sql) {
    auto db = open_database(path_, OpenMode::read_only);
    sqlite3_stmt* raw = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr), SQLITE_OK) << sqlite3_errmsg(db.get());
    Statement stmt(raw);
    EXPECT_EQ(sqlite3_step(raw), SQLITE_ROW);
    return sqlite3_column_int64(raw, 0);
  }

  std::filesystem::path dir_;
  std::string path_;
};

Record sample(int i) {
  Record r;
  r.start_ms = 1'700'000'000'000 + i;
  r.end_ms = r.start_ms + 250;
  r.ttft_ms = 40;
  r.key_name = "team-a";
  r.agent = "planner";
  r.session = "session-" + std::to_string(i % 3);
  r.dialect = "anthropic";
  r.endpoint = "messages";
  r.model = "claude-sonnet-4-5";
  r.route = "claude-*";
  r.upstream = "premium";
  r.upstream_model = "claude-sonnet-4-5";
  r.attempts = 2;
  r.queued_ms = 15;
  r.status = 200;
  r.stream = true;
  r.overflowed = false;
  r.refused_by = "premium:429";
  r.input_tokens = 1000 + i;
  r.output_tokens = 50;
  r.cache_read_tokens = 7;
  r.cache_write_tokens = 3;
  r.usage_estimated = false;
  r.cost_usd = 0.0042;
  return r;
}

SinkOptions options(const std::string& path) {
  SinkOptions o;
  o.path = path;
  o.flush_interval = std::chrono::milliseconds{60'000};  // writes happen on stop() unless a batch fills
  o.batch = 1'000'000;
  return o;
}

TEST_F(TempDb, CreatesTheSchemaOnceAndReopens) {
  { open_database(path_, OpenMode::write); }
  { open_database(path_, OpenMode::write); }  // already at the current version: nothing to do
  EXPECT_EQ(count("PRAGMA user_version"), schema_version);
  EXPECT_EQ(count("SELECT count(*) FROM requests"), 0);
}

TEST_F(TempDb, RefusesWhatItCannotRead) {
  // A file that is not a spillway database yet, opened for reading.
  { sqlite3* raw = nullptr; sqlite3_open(path_.c_str(), &raw); sqlite3_close(raw); }
  try {
    open_database(path_, OpenMode::read_only);
    FAIL() << "an empty database was accepted for reading";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("holds no spillway audit records"), std::string::npos) << e.what();
  }
  // One from a newer spillway, for writing.
  {
    auto db = open_database(path_, OpenMode::write);
    exec(db.get(), ("PRAGMA user_version=" + std::to_string(schema_version + 1)).c_str());
  }
  try {
    open_database(path_, OpenMode::write);
    FAIL() << "a newer schema was accepted";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("newer spillway"), std::string::npos) << e.what();
  }
}

TEST_F(TempDb, EveryFieldRoundTripsThroughTheView) {
  {
    Sink sink(options(path_));
    auto r = sample(1);
    sink.submit(std::move(r));
    Record empty;  // nulls and zeros: no ttft, no price, all flags off
    empty.start_ms = 5;
    empty.end_ms = 6;
    empty.overflowed = true;
    empty.usage_estimated = true;
    sink.submit(std::move(empty));
    sink.stop();
    EXPECT_EQ(sink.written(), 2u);
    EXPECT_EQ(sink.dropped(), 0u);
  }
  auto db = open_database(path_, OpenMode::read_only);
  sqlite3_stmt* raw = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(),
                               "SELECT start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model, "
                               "route, upstream, upstream_model, attempts, queued_ms, status, stream, overflowed, "
                               "refused_by, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
                               "usage_estimated, cost_usd FROM requests ORDER BY id",
                               -1, &raw, nullptr),
            SQLITE_OK);
  Statement stmt(raw);
  auto text = [&](int c) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(raw, c))); };
  ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
  const auto want = sample(1);
  EXPECT_EQ(sqlite3_column_int64(raw, 0), want.start_ms);
  EXPECT_EQ(sqlite3_column_int64(raw, 1), want.end_ms);
  EXPECT_EQ(sqlite3_column_int64(raw, 2), 40);
  EXPECT_EQ(text(3), "team-a");
  EXPECT_EQ(text(4), "planner");
  EXPECT_EQ(text(5), "session-1");
  EXPECT_EQ(text(6), "anthropic");
  EXPECT_EQ(text(7), "messages");
  EXPECT_EQ(text(8), "claude-sonnet-4-5");
  EXPECT_EQ(text(9), "claude-*");
  EXPECT_EQ(text(10), "premium");
  EXPECT_EQ(text(11), "claude-sonnet-4-5");
  EXPECT_EQ(sqlite3_column_int(raw, 12), 2);
  EXPECT_EQ(sqlite3_column_int(raw, 13), 15);
  EXPECT_EQ(sqlite3_column_int(raw, 14), 200);
  EXPECT_EQ(sqlite3_column_int(raw, 15), 1);
  EXPECT_EQ(sqlite3_column_int(raw, 16), 0);
  EXPECT_EQ(text(17), "premium:429");
  EXPECT_EQ(sqlite3_column_int64(raw, 18), 1001);
  EXPECT_EQ(sqlite3_column_int64(raw, 19), 50);
  EXPECT_EQ(sqlite3_column_int64(raw, 20), 7);
  EXPECT_EQ(sqlite3_column_int64(raw, 21), 3);
  EXPECT_EQ(sqlite3_column_int(raw, 22), 0);
  EXPECT_DOUBLE_EQ(sqlite3_column_double(raw, 23), 0.0042);
  ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(raw, 2), SQLITE_NULL);   // no first byte
  EXPECT_EQ(text(3), "");
  EXPECT_EQ(sqlite3_column_int(raw, 15), 0);
  EXPECT_EQ(sqlite3_column_int(raw, 16), 1);
  EXPECT_EQ(sqlite3_column_int(raw, 22), 1);
  EXPECT_EQ(sqlite3_column_type(raw, 23), SQLITE_NULL);  // no price known
  EXPECT_EQ(sqlite3_step(raw), SQLITE_DONE);
}

TEST_F(TempDb, StopWritesEverythingQueuedAndRepeatedNamesAreStoredOnce) {
  constexpr int n = 5000;
  {
    Sink sink(options(path_));
    for (int i = 0; i < n; ++i) {
      sink.submit(sample(i));
    }
    EXPECT_EQ(sink.written(), 0u);  // the writer waits for its interval or a full batch
    sink.stop();
    EXPECT_EQ(sink.written(), static_cast<std::uint64_t>(n));
  }
  EXPECT_EQ(count("SELECT count(*) FROM requests"), n);
  EXPECT_EQ(count("SELECT sum(input_tokens) FROM requests"), 1000LL * n + (n - 1) * n / 2);
  // team-a, planner, session-0..2, anthropic, messages, claude-sonnet-4-5 (model and upstream
  // model), claude-*, premium, premium:429.
  EXPECT_EQ(count("SELECT count(*) FROM names"), 11);
}

TEST_F(TempDb, AFullQueueDropsAndCounts) {
  auto o = options(path_);
  o.queue_limit = 10;
  Sink sink(o);
  for (int i = 0; i < 15; ++i) {
    sink.submit(sample(i));
  }
  EXPECT_EQ(sink.dropped(), 5u);
  EXPECT_EQ(sink.queued(), 10u);
  sink.stop();
  EXPECT_EQ(sink.written(), 10u);
  sink.submit(sample(99));  // after stop: nothing can be written any more
  EXPECT_EQ(sink.dropped(), 6u);
}

TEST_F(TempDb, AFailedWriteDropsItsBatchAndCounts) {
  Sink sink(options(path_));
  sink.submit(sample(1));
  sink.submit(sample(2));
  {
    // Someone removes the table under the writer.
    auto other = open_database(path_, OpenMode::write);
    exec(other.get(), "DROP VIEW requests; DROP TABLE content; DROP TABLE request_rows;");
  }
  sink.stop();
  EXPECT_EQ(sink.written(), 0u);
  EXPECT_EQ(sink.dropped(), 2u);
}

TEST_F(TempDb, ContentIsStoredOnlyWhenTheRecordCarriesIt) {
  {
    Sink sink(options(path_));
    auto with = sample(1);
    with.request_body = R"({"messages":[{"role":"user","content":"the plan"}]})";
    with.response_body = "the answer";
    sink.submit(std::move(with));
    sink.submit(sample(2));
    sink.stop();
  }
  EXPECT_EQ(count("SELECT count(*) FROM content"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM content c JOIN requests r ON r.id = c.request_id "
                  "WHERE r.input_tokens = 1001 AND c.response_body = 'the answer'"),
            1);
}

TEST_F(TempDb, TheViewTakesInsertsForFixtures) {
  {
    auto db = open_database(path_, OpenMode::write);
    exec(db.get(), "INSERT INTO requests (start_ms, agent, model, status, stream, input_tokens, cost_usd) "
                   "VALUES (1000, 'fixture-agent', 'm', 200, 1, 42, 0.5)");
  }
  EXPECT_EQ(count("SELECT count(*) FROM requests WHERE agent = 'fixture-agent' AND model = 'm' AND stream = 1 "
                  "AND input_tokens = 42 AND end_ms = 1000 AND key_name = '' AND cost_usd = 0.5"),
            1);
}

}  // namespace
}  // namespace spillway::audit
