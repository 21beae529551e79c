#include "audit/schema.hpp"

#include <array>

namespace spillway::audit {

namespace {

// Migration i takes a database from version i to i + 1. Append only: a released step never
// changes, or databases already past it would differ from new ones.
constexpr std::array migrations = {
    R"sql(
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  ttft_ms INTEGER,
  key_name TEXT NOT NULL,
  agent TEXT NOT NULL,
  session TEXT NOT NULL,
  dialect TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  route TEXT NOT NULL,
  upstream TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  queued_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  overflowed INTEGER NOT NULL,
  refused_by TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  usage_estimated INTEGER NOT NULL,
  cost_usd REAL
);
CREATE INDEX requests_start ON requests(start_ms);
CREATE TABLE content (
  request_id INTEGER PRIMARY KEY REFERENCES requests(id),
  request_body TEXT,
  response_body TEXT
);
)sql",
};
static_assert(migrations.size() == schema_version);

int user_version(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK) {
    throw DatabaseError(sqlite3_errmsg(db));
  }
  int version = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return version;
}

}  // namespace

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw DatabaseError(text);
  }
}

Database open_database(const std::string& path, OpenMode mode) {
  sqlite3* raw = nullptr;
  const int flags = mode == OpenMode::write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    throw DatabaseError("cannot open audit database " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_busy_timeout(raw, 5000);  // a report reading while the gateway writes
  try {
    const int version = user_version(raw);
    if (version > schema_version) {
      throw DatabaseError("it was written by a newer spillway (schema " + std::to_string(version) +
                          ", this one knows up to " + std::to_string(schema_version) + ")");
    }
    if (mode == OpenMode::read_only) {
      if (version == 0) {
        throw DatabaseError("it holds no spillway audit records");
      }
      if (version < schema_version) {
        throw DatabaseError("its schema is older (" + std::to_string(version) +
                            "): start the gateway on it once to migrate it");
      }
      return db;
    }
    // WAL: the writer thread never blocks a report reading the same file. NORMAL sync: a
    // power cut can lose the last transactions, a process crash cannot.
    exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    for (int v = version; v < schema_version; ++v) {
      exec(raw, "BEGIN IMMEDIATE");
      try {
        exec(raw, migrations[static_cast<std::size_t>(v)]);
        exec(raw, ("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
        exec(raw, "COMMIT");
      } catch (...) {
        sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  } catch (const DatabaseError& e) {
    const std::string what = e.what();
    if (what.starts_with("cannot open")) {
      throw;
    }
    throw DatabaseError("audit database " + path + ": " + what);
  }
  return db;
}

}  // namespace spillway::audit
