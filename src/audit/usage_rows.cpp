#include "audit/usage_rows.hpp"

#include <limits>
#include <string>

#include "audit/schema.hpp"

namespace spillway::audit {

namespace {

std::string text_at(sqlite3_stmt* s, int col) {
  const auto* p = sqlite3_column_text(s, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

}  // namespace

std::vector<Record> read_records(sqlite3* db, std::optional<std::int64_t> since_ms,
                                 std::optional<std::int64_t> until_ms) {
  static constexpr const char* sql =
      "SELECT start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model, route, upstream, "
      "upstream_model, attempts, queued_ms, status, stream, overflowed, refused_by, input_tokens, output_tokens, "
      "cache_read_tokens, cache_write_tokens, usage_estimated, cost_usd "
      "FROM requests WHERE start_ms >= ?1 AND start_ms < ?2 ORDER BY start_ms, id";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw DatabaseError(std::string("cannot read the requests table: ") + sqlite3_errmsg(db));
  }
  Statement stmt(raw);
  sqlite3_bind_int64(raw, 1, since_ms.value_or(std::numeric_limits<std::int64_t>::min()));
  sqlite3_bind_int64(raw, 2, until_ms.value_or(std::numeric_limits<std::int64_t>::max()));
  std::vector<Record> rows;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    Record r;
    int c = 0;
    r.start_ms = sqlite3_column_int64(raw, c++);
    r.end_ms = sqlite3_column_int64(raw, c++);
    r.ttft_ms = sqlite3_column_type(raw, c) == SQLITE_NULL ? -1 : sqlite3_column_int64(raw, c);
    ++c;
    r.key_name = text_at(raw, c++);
    r.agent = text_at(raw, c++);
    r.session = text_at(raw, c++);
    r.dialect = text_at(raw, c++);
    r.endpoint = text_at(raw, c++);
    r.model = text_at(raw, c++);
    r.route = text_at(raw, c++);
    r.upstream = text_at(raw, c++);
    r.upstream_model = text_at(raw, c++);
    r.attempts = sqlite3_column_int(raw, c++);
    r.queued_ms = sqlite3_column_int64(raw, c++);
    r.status = sqlite3_column_int(raw, c++);
    r.stream = sqlite3_column_int(raw, c++) != 0;
    r.overflowed = sqlite3_column_int(raw, c++) != 0;
    r.refused_by = text_at(raw, c++);
    r.input_tokens = sqlite3_column_int64(raw, c++);
    r.output_tokens = sqlite3_column_int64(raw, c++);
    r.cache_read_tokens = sqlite3_column_int64(raw, c++);
    r.cache_write_tokens = sqlite3_column_int64(raw, c++);
    r.usage_estimated = sqlite3_column_int(raw, c++) != 0;
    if (sqlite3_column_type(raw, c) != SQLITE_NULL) {
      r.cost_usd = sqlite3_column_double(raw, c);
    }
    rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) {
    throw DatabaseError(std::string("reading the requests table: ") + sqlite3_errmsg(db));
  }
  return rows;
}

}  // namespace spillway::audit
