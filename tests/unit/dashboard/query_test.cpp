// Query strings of the dashboard API: values by name, percent-decoding, bounds, clear errors.
#include <gtest/gtest.h>

#include "dashboard/query.hpp"

namespace spillway::dashboard {
namespace {

TEST(Query, ValuesByNameDecoded) {
  EXPECT_EQ(query_value("/admin/history?since=24h&by=agent", "by"), "agent");
  EXPECT_EQ(query_value("/admin/history?since=2026-03-01T14%3A05%2B02%3A00", "since"), "2026-03-01T14:05+02:00");
  EXPECT_EQ(query_value("/admin/history?since=a+b", "since"), "a+b");
  EXPECT_EQ(query_value("/admin/history?since=", "since"), "");
  EXPECT_EQ(query_value("/admin/history?sincex=1", "since"), std::nullopt);
  EXPECT_EQ(query_value("/admin/history", "since"), std::nullopt);
}

TEST(Query, MalformedOrLongValuesAreErrors) {
  EXPECT_THROW(query_value("/x?since=%4", "since"), QueryError);
  EXPECT_THROW(query_value("/x?since=%zz", "since"), QueryError);
  EXPECT_THROW(query_value("/x?since=" + std::string(max_query_value + 1, 'a'), "since"), QueryError);
  EXPECT_NO_THROW(query_value("/x?since=" + std::string(max_query_value, 'a'), "since"));
}

TEST(Query, CountsWithinBounds) {
  EXPECT_EQ(query_count("/admin/recent?limit=20", "limit", 1, 500, 50), 20);
  EXPECT_EQ(query_count("/admin/recent", "limit", 1, 500, 50), 50);
  for (const char* bad : {"/r?limit=0", "/r?limit=501", "/r?limit=", "/r?limit=1x", "/r?limit=-3",
                          "/r?limit=99999999999999999999999"}) {
    try {
      query_count(bad, "limit", 1, 500, 50);
      ADD_FAILURE() << bad;
    } catch (const QueryError& e) {
      EXPECT_NE(e.message.find("from 1 to 500"), std::string::npos) << e.message;
    }
  }
}

}  // namespace
}  // namespace spillway::dashboard
