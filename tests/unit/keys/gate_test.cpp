// Virtual keys: the store (create, find, revoke, names) and the gate's decisions (budgets with
// reservations, day rollover, rate limits with retry-after, routes), on a real SQLite file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <thread>

#include "audit/schema.hpp"
#include "config/config.hpp"
#include "keys/gate.hpp"
#include "keys/store.hpp"

namespace spillway::keys {
namespace {

using namespace std::chrono_literals;

class Keys : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("spillway-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "gateway.db").string();
    db_ = audit::open_database(path_, audit::OpenMode::write);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  KeyView view(KeyGate& gate, const std::string& key) {
    auto v = gate.find(config::sha256_hex(key));
    EXPECT_TRUE(v.has_value());
    return *v;
  }
  std::filesystem::path dir_;
  std::string path_;
  audit::Database db_;
};

// 2026-12-05 12:00:00 UTC.
const auto noon = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'472'000));

TEST_F(Keys, StoreKeepsOnlyTheDigest) {
  const auto key = create_key(db_.get(), "team-a", {}, 1000);
  const auto found = find_key(db_.get(), "team-a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sha256, config::sha256_hex(key));
  EXPECT_EQ(found->prefix, key.substr(0, 16));
  EXPECT_THROW(create_key(db_.get(), "team-a", {}, 1000), KeyStoreError);
  EXPECT_THROW(create_key(db_.get(), "", {}, 1000), KeyStoreError);
  EXPECT_TRUE(revoke_key(db_.get(), "team-a", 2000));
  EXPECT_FALSE(revoke_key(db_.get(), "team-a", 3000));  // already revoked
  EXPECT_TRUE(active_keys(db_.get()).empty());
  EXPECT_EQ(list_keys(db_.get()).size(), 1u);
}

TEST_F(Keys, ABudgetHoldsReservationsAndSettlesRealSpend) {
  KeySettings s;
  s.tokens_per_day = 1000;
  const auto key = create_key(db_.get(), "b", s, 1000);
  KeyGate gate(path_, 10ms);
  auto v = view(gate, key);
  auto first = gate.admit(v, "r", 600, 0, noon);
  ASSERT_TRUE(std::holds_alternative<Hold>(first));
  // 600 held: another 600 would pass the budget, 400 fits.
  auto refused = gate.admit(v, "r", 600, 0, noon);
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  const auto& e = std::get<ApiError>(refused);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.message, "gateway key 'b' has spent its budget tokens_per_day (600 tokens of 1000); it resets at 2026-12-06T00:00:00Z");
  auto second = gate.admit(v, "r", 400, 0, noon);
  ASSERT_TRUE(std::holds_alternative<Hold>(second));
  // The first used less than it held: the difference is free again.
  KeyGate::settle(std::get<Hold>(first), 100, 0);
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 500, 0, noon)));
  EXPECT_TRUE(std::holds_alternative<ApiError>(gate.admit(v, "r", 1, 0, noon)));
  // A new UTC day starts from zero spend (reservations still held stay held).
  KeyGate::settle(std::get<Hold>(second), 400, 0);
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 400, 0, noon + 12h)));
}

TEST_F(Keys, AMoneyBudgetSaysItsResetOfTheMonth) {
  KeySettings s;
  s.usd_per_month = 1.0;
  const auto key = create_key(db_.get(), "m", s, 1000);
  KeyGate gate(path_, 10ms);
  auto v = view(gate, key);
  auto hold = gate.admit(v, "r", 10, 0.75, noon);
  ASSERT_TRUE(std::holds_alternative<Hold>(hold));
  KeyGate::settle(std::get<Hold>(hold), 10, 0.9);
  auto refused = gate.admit(v, "r", 10, 0.2, noon);
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  EXPECT_EQ(std::get<ApiError>(refused).message,
            "gateway key 'm' has spent its budget usd_per_month ($0.90 of $1.00); it resets at 2027-01-01T00:00:00Z");
}

TEST_F(Keys, RateLimitsAnswerWithRetryAfter) {
  KeySettings s;
  s.rpm = 2;
  s.max_concurrency = 5;
  const auto key = create_key(db_.get(), "r", s, 1000);
  KeyGate gate(path_, 10ms);
  auto v = view(gate, key);
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 1, 0, noon)));
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 1, 0, noon)));
  auto refused = gate.admit(v, "r", 1, 0, noon);
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  EXPECT_EQ(std::get<ApiError>(refused).status, 429);
  EXPECT_EQ(std::get<ApiError>(refused).retry_after_s, 30);  // one request's worth refills in 30 s
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 1, 0, noon + 30s)));
}

TEST_F(Keys, ConcurrencyIsReleasedWhenTheRequestEnds) {
  KeySettings s;
  s.max_concurrency = 1;
  const auto key = create_key(db_.get(), "c", s, 1000);
  KeyGate gate(path_, 10ms);
  auto v = view(gate, key);
  auto hold = gate.admit(v, "r", 1, 0, noon);
  ASSERT_TRUE(std::holds_alternative<Hold>(hold));
  EXPECT_EQ(std::get<ApiError>(gate.admit(v, "r", 1, 0, noon)).status, 429);
  KeyGate::settle(std::get<Hold>(hold), 1, 0);
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "r", 1, 0, noon)));
}

TEST_F(Keys, RoutesLimitWhereAKeyMayGo) {
  KeySettings s;
  s.routes = {"cheap", "titles"};
  const auto key = create_key(db_.get(), "j", s, 1000);
  KeyGate gate(path_, 10ms);
  auto v = view(gate, key);
  EXPECT_TRUE(std::holds_alternative<Hold>(gate.admit(v, "titles", 1, 0, noon)));
  auto refused = gate.admit(v, "senior", 1, 0, noon);
  ASSERT_TRUE(std::holds_alternative<ApiError>(refused));
  EXPECT_EQ(std::get<ApiError>(refused).message, "gateway key 'j' may not use route 'senior' (it may use: cheap, titles)");
}

TEST_F(Keys, TheGateSeesNewAndRevokedKeysAndKeepsCounters) {
  KeyGate gate(path_, 10ms);
  EXPECT_EQ(gate.size(), 0u);
  KeySettings s;
  s.tokens_per_day = 100;
  const auto key = create_key(db_.get(), "late", s, 1000);
  // The watcher re-reads within its poll period; bounded wait on the observable state.
  for (int i = 0; i < 500 && gate.size() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(gate.size(), 1u);
  auto v = view(gate, key);
  auto hold = gate.admit(v, "r", 90, 0, noon);
  ASSERT_TRUE(std::holds_alternative<Hold>(hold));
  KeyGate::settle(std::get<Hold>(hold), 90, 0);
  // Another key created: the table is re-read, and "late" keeps what it spent.
  create_key(db_.get(), "other", {}, 1000);
  for (int i = 0; i < 500 && gate.size() == 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(gate.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ApiError>(gate.admit(view(gate, key), "r", 20, 0, noon)));
  revoke_key(db_.get(), "late", 2000);
  for (int i = 0; i < 500 && gate.size() == 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(gate.size(), 1u);
  EXPECT_FALSE(gate.find(config::sha256_hex(key)).has_value());
}

TEST_F(Keys, AVersionOneDatabaseMigratesForwardKeepingItsRecords) {
  // Make this database look like one written before keys existed.
  audit::exec(db_.get(), "DROP TABLE keys; PRAGMA user_version = 1;");
  audit::exec(db_.get(), "INSERT INTO requests (start_ms, model, status) VALUES (5, 'old-record', 200)");
  db_.reset();
  db_ = audit::open_database(path_, audit::OpenMode::write);
  sqlite3_stmt* raw = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(), "SELECT (SELECT count(*) FROM requests WHERE model = 'old-record'), "
                                          "(SELECT count(*) FROM keys), (SELECT user_version FROM pragma_user_version)",
                               -1, &raw, nullptr),
            SQLITE_OK);
  audit::Statement stmt(raw);
  ASSERT_EQ(sqlite3_step(raw), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(raw, 0), 1);
  EXPECT_EQ(sqlite3_column_int(raw, 1), 0);
  EXPECT_EQ(sqlite3_column_int(raw, 2), audit::schema_version);
}

}  // namespace
}  // namespace spillway::keys
