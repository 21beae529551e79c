// The history view's report: the same JSON as `spillway audit --format json` over the same
// database, a bounded window, clear errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "../audit/fixture.hpp"
#include "audit/audit_command.hpp"
#include "dashboard/history.hpp"

namespace spillway::dashboard {
namespace {

using audit::test::M;
using audit::test::T0;

std::string filled_db() {
  const auto path = audit::test::temp_path(".db");
  auto db = audit::open_database(path, audit::OpenMode::write);
  audit::test::insert(db.get(), {.start_ms = T0 + M, .end_ms = T0 + M + 900, .upstream = "premium", .input = 100,
                                 .output = 20, .cost = 0.5});
  audit::test::insert(db.get(), {.start_ms = T0 + 3 * M, .end_ms = T0 + 3 * M + 900, .upstream = "local", .input = 40,
                                 .output = 2, .cost = 0.0});
  return path;
}

TEST(History, IsTheAuditReportOverTheSameWindow) {
  const auto db = filled_db();
  const auto now = T0 + 10 * M;
  const auto answer = history_report({db, ""}, {std::string("1h"), std::nullopt, std::nullopt}, now);
  ASSERT_EQ(answer.status, 200) << answer.body;

  audit::AuditArgs args;
  args.db = db;
  args.db_given = true;
  args.since = "1h";
  args.by = "upstream";
  args.format = "json";
  std::ostringstream out, err;
  ASSERT_EQ(audit::run_audit(args, out, err, now), 0) << err.str();
  EXPECT_EQ(boost::json::parse(answer.body), boost::json::parse(out.str()));

  const auto report = boost::json::parse(answer.body);
  EXPECT_EQ(report.at("totals").at("requests").as_int64(), 2);
  EXPECT_EQ(report.at("group_by").as_string(), "upstream");
  EXPECT_EQ(report.at("per_minute").as_array().size(), 3u);
}

TEST(History, DefaultsToTheLastDay) {
  const auto db = filled_db();
  EXPECT_EQ(boost::json::parse(history_report({db, ""}, {}, T0 + 23 * 60 * M).body).at("totals").at("requests"), 2);
  EXPECT_EQ(boost::json::parse(history_report({db, ""}, {}, T0 + 25 * 60 * M).body).at("totals").at("requests"), 0);
}

TEST(History, BadQueriesAreClearErrors) {
  const auto db = filled_db();
  const auto now = T0 + 10 * M;
  auto a = history_report({db, ""}, {std::string("yesterday"), std::nullopt, std::nullopt}, now);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("since"), std::string::npos) << a.body;
  a = history_report({db, ""}, {std::string("8d"), std::nullopt, std::nullopt}, now);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("7 days"), std::string::npos) << a.body;
  a = history_report({db, ""}, {std::nullopt, std::nullopt, std::string("colour")}, now);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("expected agent, session, model, upstream or key"), std::string::npos) << a.body;
  a = history_report({"", ""}, {}, now);
  EXPECT_EQ(a.status, 404);
}

}  // namespace
}  // namespace spillway::dashboard
