// `spillway audit` whole (audit::run_audit): formats, flags, and bad input giving status 2.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/audit_command.hpp"
#include "fixture.hpp"

namespace spillway::audit {
namespace {

using test::M;
using test::T0;

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run run(AuditArgs args) {
  std::ostringstream out, err;
  const int status = run_audit(args, out, err, T0 + 60 * M);
  return {status, out.str(), err.str()};
}

AuditArgs fixture_args(const std::string& db) {
  AuditArgs a;
  a.db = db;
  a.db_given = true;
  a.since = "2026-03-01T14:00Z";
  a.until = "2026-03-01T14:04Z";
  return a;
}

std::string write_file(const std::string& suffix, const std::string& text) {
  const auto path = test::temp_path(suffix);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(AuditCommand, JsonHoldsTheTotals) {
  auto a = fixture_args(test::make_fixture_db());
  a.format = "json";
  const auto r = run(a);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto doc = boost::json::parse(r.out).as_object();  // one object, nothing else
  const auto& t = doc.at("totals").as_object();
  EXPECT_EQ(t.at("requests").as_int64(), 7);
  EXPECT_EQ(t.at("input_tokens").as_int64(), 45610);
  EXPECT_EQ(t.at("output_tokens").as_int64(), 2100);
  EXPECT_EQ(t.at("cache_read_tokens").as_int64(), 5000);
  EXPECT_EQ(t.at("cache_write_tokens").as_int64(), 300);
  EXPECT_NEAR(t.at("cost_usd").to_number<double>(), 0.64803, 1e-12);
  EXPECT_EQ(doc.at("per_minute").as_array().size(), 4u);
  EXPECT_EQ(doc.at("per_minute").as_array()[2].at("minute").as_string(), "2026-03-01T14:02:00Z");
  EXPECT_EQ(doc.at("peak").at("tokens").as_int64(), 45900);
  EXPECT_EQ(doc.at("percentiles").at("tokens_per_minute").at("p50").as_int64(), 10);
  EXPECT_EQ(doc.at("groups").as_array()[0].at("key").as_string(), "reviewer");
  EXPECT_EQ(doc.at("top_sessions").as_array()[0].at("session").as_string(), "s2");
  EXPECT_EQ(doc.at("refusals").as_array()[0].at("by_reason").at("429").as_int64(), 2);
  EXPECT_FALSE(doc.at("capacity").at("classes").as_array()[0].at("tiers").as_array()[0].at("holds_peak").as_bool());
  EXPECT_FALSE(doc.at("tiers").at("date").as_string().empty());
  EXPECT_FALSE(doc.at("prices").at("source").as_string().empty());
}

TEST(AuditCommand, EmptyWindowIsNotAnError) {
  auto a = fixture_args(test::make_fixture_db());
  a.since = "2026-03-01T15:00Z";
  a.until = "2026-03-01T16:00Z";
  const auto text = run(a);
  EXPECT_EQ(text.status, 0);
  EXPECT_EQ(text.out, "no requests between 2026-03-01 15:00 UTC and 2026-03-01 16:00 UTC\n");
  a.format = "json";
  const auto json = run(a);
  ASSERT_EQ(json.status, 0);
  const auto t = boost::json::parse(json.out).at("totals").as_object();
  EXPECT_EQ(t.at("requests").as_int64(), 0);
  EXPECT_EQ(t.at("input_tokens").as_int64(), 0);
  EXPECT_EQ(t.at("cost_usd").to_number<double>(), 0.0);
}

TEST(AuditCommand, CsvHasTheMinuteAndGroupTables) {
  auto a = fixture_args(test::make_fixture_db());
  a.format = "csv";
  const auto r = run(a);
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u + 4u + 1u + 1u + 3u);
  // reviewer: r3 + r4: input 40000 + 4000, output 950 + 800.  // header, 4 minutes, blank, header, 3 groups
  EXPECT_EQ(lines[0].rfind("table,minute_utc,", 0), 0u);
  EXPECT_EQ(lines[3], "minute,2026-03-01T14:02:00Z," + std::to_string(T0 + 2 * M) + ",3,44100,1800,0,0,45900");
  EXPECT_EQ(lines[5], "");
  EXPECT_EQ(lines[6].rfind("table,group_by,key,", 0), 0u);
  EXPECT_EQ(lines[7].rfind("group,agent,reviewer,2,44000,1750,0,0,45750,0.135,1,0,45750,45750,45750,0,2,2,2", 0),
            0u)
      << lines[7];
  EXPECT_EQ(lines[9].rfind("group,agent,,1,", 0), 0u);
}

TEST(AuditCommand, TextReportHasItsSections) {
  auto a = fixture_args(test::make_fixture_db());
  a.top = "1";
  const auto r = run(a);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* part : {"Totals", "requests     7", "Tokens per minute", "peak 45,900 tokens/min at 2026-03-01 14:02 UTC",
                           "Requests per minute", "By agent", "(none)", "Sessions with the highest token velocity",
                           "What the upstreams refused", "429 x2", "Errors sent to clients", "status 503: 1",
                           "Capacity", "Claude Sonnet 4.x", "over itpm", "Local GPUs"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << "missing: " << part << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("  s1 "), std::string::npos);  // --top 1: only s2
}

TEST(AuditCommand, HtmlPageIsSelfContainedAndEscapesDatabaseText) {
  const auto db = test::make_fixture_db();
  {
    auto d = open_database(db, OpenMode::write);
    test::insert(d.get(), {.start_ms = T0 + 1 * M, .end_ms = T0 + 1 * M + 1000, .agent = "<script>alert(1)</script>",
                           .session = "s\"&", .input = 1, .cost = 0.0});
  }
  auto a = fixture_args(db);
  a.html = test::temp_path(".html");
  const auto r = run(a);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + a.html + " (8 requests)\n");
  std::ifstream file(a.html);
  const std::string page((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("s&quot;&amp;"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(a.html + ".tmp"));
}

TEST(AuditCommand, ConfigGivesTheDatabaseTiersAndGpuFigures) {
  const auto db = test::make_fixture_db();
  const auto tiers = write_file(".tiers.yaml", "provisioned:\n  - {name: ours, tokens_per_minute: 10000}\n");
  const auto config = write_file(".yaml", "upstreams:\n  - name: anthropic\n    kind: anthropic\n"
                                          "    base_url: https://api.anthropic.com\n"
                                          "    api_key_env: SPILLWAY_TEST_UNSET_KEY_VARIABLE\n"
                                          "audit:\n  sqlite: " + db + "\n  tiers: " + tiers +
                                          "\n  gpu_input_tokens_per_s: 147\n  gpu_output_tokens_per_s: 10\n");
  AuditArgs a = fixture_args("ignored");
  a.db_given = false;
  a.config = config;
  a.format = "json";
  const auto r = run(a);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = boost::json::parse(r.out);
  EXPECT_EQ(doc.at("totals").at("requests").as_int64(), 7);
  const auto& cap = doc.at("capacity");
  ASSERT_EQ(cap.at("provisioned").as_array().size(), 1u);
  EXPECT_EQ(cap.at("provisioned").as_array()[0].at("units_peak").as_int64(), 5);  // ceil(45900 / 10000)
  EXPECT_EQ(cap.at("local_gpu").at("gpus_peak").as_int64(), 8);                   // 735/147 + 30/10
  // Flags win over the config.
  a.gpu_output_tps = "5";  // 5 + 30/5 = 11
  const auto flagged = run(a);
  ASSERT_EQ(flagged.status, 0) << flagged.err;
  EXPECT_EQ(boost::json::parse(flagged.out).at("capacity").at("local_gpu").at("gpus_peak").as_int64(), 11);
}

TEST(AuditCommand, BadInputIsOneLineAndStatusTwo) {
  const auto db = test::make_fixture_db();
  const auto not_a_db = write_file(".txt", "just some text, not SQLite\n");
  const auto bad_tiers = write_file(".bad.yaml", "local_gpu:\n  input_tokens_per_s: 0\n  output_tokens_per_s: 1\n");
  struct Case {
    const char* name;
    std::function<void(AuditArgs&)> change;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"bad since", [](AuditArgs& a) { a.since = "yesterday"; }, "--since: bad time 'yesterday'"},
      {"bad until", [](AuditArgs& a) { a.until = "2026-02-30"; }, "--until: bad time"},
      {"until before since", [](AuditArgs& a) { a.until = "2026-03-01T13:00Z"; }, "must be after --since"},
      {"bad by", [](AuditArgs& a) { a.by = "colour"; }, "--by: expected agent, session"},
      {"bad top", [](AuditArgs& a) { a.top = "ten"; }, "--top: expected a whole number"},
      {"bad format", [](AuditArgs& a) { a.format = "xml"; }, "--format: expected text, json or csv"},
      {"bad gpu", [](AuditArgs& a) { a.gpu_input_tps = "-1"; }, "--gpu-input-tps"},
      {"extra argument", [](AuditArgs& a) { a.extras = {"--colour"}; }, "unexpected argument '--colour'"},
      {"missing db", [](AuditArgs& a) { a.db = a.db + ".missing"; }, "cannot open audit database"},
      // schema.cpp reads user_version 0 from a file SQLite cannot parse, hence this wording.
      {"not sqlite", [&](AuditArgs& a) { a.db = not_a_db; }, "file is not a database"},
      {"missing tiers", [](AuditArgs& a) { a.tiers = "/nonexistent/tiers.yaml"; }, "--tiers: cannot read"},
      {"bad tiers", [&](AuditArgs& a) { a.tiers = bad_tiers; }, ".bad.yaml:2: `input_tokens_per_s` must be above 0"},
      {"missing config", [](AuditArgs& a) { a.config = "/nonexistent/spillway.yaml"; }, "/nonexistent/spillway.yaml"},
  };
  for (const auto& c : cases) {
    auto a = fixture_args(db);
    c.change(a);
    const auto r = run(a);
    EXPECT_EQ(r.status, 2) << c.name;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(r.err.rfind("spillway audit: ", 0), 0u) << c.name;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << c.name << ": not one line: " << r.err;
  }
  // The non-spillway file was only read.
  std::ifstream file(not_a_db);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "just some text, not SQLite\n");
}

TEST(AuditCommand, AnSqliteFileThatIsNotSpillwaysIsRefused) {
  const auto path = test::temp_path(".other.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    exec(raw, "CREATE TABLE notes (text TEXT)");
    sqlite3_close(raw);
  }
  auto a = fixture_args(path);
  const auto r = run(a);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holds no spillway audit records"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace spillway::audit
