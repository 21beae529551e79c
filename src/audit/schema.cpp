#include "audit/schema.hpp"

#include <array>
#include <mutex>

namespace spillway::audit {

namespace {

// Migration i takes a database from version i to i + 1. Append only: a released step never
// changes, or databases already past it would differ from new ones.
constexpr std::array migrations = {
    // Version 1. Rows are narrow because the writer inserts one per request at full gateway
    // speed: repeated strings (key, agent, session, models, route, upstream) are ids into
    // `names`, and flags share one integer. Readers use the view `requests`, which spells every
    // column out; inserting into the view (fixtures, imports) goes through its trigger. No index
    // on time: rows arrive in time order, and an index would cost the writer a third more.
    R"sql(
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);
CREATE TABLE request_rows (
  id INTEGER PRIMARY KEY,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  ttft_ms INTEGER,
  key_name INTEGER NOT NULL,
  agent INTEGER NOT NULL,
  session INTEGER NOT NULL,
  dialect INTEGER NOT NULL,
  endpoint INTEGER NOT NULL,
  model INTEGER NOT NULL,
  route INTEGER NOT NULL,
  upstream INTEGER NOT NULL,
  upstream_model INTEGER NOT NULL,
  refused_by INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  queued_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,
  flags INTEGER NOT NULL,  -- 1: stream, 2: overflowed, 4: usage estimated
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cost_usd REAL
);
CREATE VIEW requests AS SELECT
  r.id, r.start_ms, r.end_ms, r.ttft_ms,
  (SELECT text FROM names WHERE id = r.key_name) AS key_name,
  (SELECT text FROM names WHERE id = r.agent) AS agent,
  (SELECT text FROM names WHERE id = r.session) AS session,
  (SELECT text FROM names WHERE id = r.dialect) AS dialect,
  (SELECT text FROM names WHERE id = r.endpoint) AS endpoint,
  (SELECT text FROM names WHERE id = r.model) AS model,
  (SELECT text FROM names WHERE id = r.route) AS route,
  (SELECT text FROM names WHERE id = r.upstream) AS upstream,
  (SELECT text FROM names WHERE id = r.upstream_model) AS upstream_model,
  r.attempts, r.queued_ms, r.status,
  r.flags & 1 AS stream, (r.flags >> 1) & 1 AS overflowed,
  (SELECT text FROM names WHERE id = r.refused_by) AS refused_by,
  r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens,
  (r.flags >> 2) & 1 AS usage_estimated,
  r.cost_usd
FROM request_rows r;
CREATE TRIGGER requests_insert INSTEAD OF INSERT ON requests BEGIN
  INSERT OR IGNORE INTO names (text) VALUES
    (coalesce(NEW.key_name, '')), (coalesce(NEW.agent, '')), (coalesce(NEW.session, '')),
    (coalesce(NEW.dialect, '')), (coalesce(NEW.endpoint, '')), (coalesce(NEW.model, '')),
    (coalesce(NEW.route, '')), (coalesce(NEW.upstream, '')), (coalesce(NEW.upstream_model, '')),
    (coalesce(NEW.refused_by, ''));
  INSERT INTO request_rows (id, start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model,
                            route, upstream, upstream_model, refused_by, attempts, queued_ms, status, flags,
                            input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
  VALUES (NEW.id, NEW.start_ms, coalesce(NEW.end_ms, NEW.start_ms), NEW.ttft_ms,
          (SELECT id FROM names WHERE text = coalesce(NEW.key_name, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.agent, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.session, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.dialect, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.endpoint, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.model, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.route, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.upstream, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.upstream_model, '')),
          (SELECT id FROM names WHERE text = coalesce(NEW.refused_by, '')),
          coalesce(NEW.attempts, 0), coalesce(NEW.queued_ms, 0), coalesce(NEW.status, 0),
          (coalesce(NEW.stream, 0) != 0) | ((coalesce(NEW.overflowed, 0) != 0) << 1) |
            ((coalesce(NEW.usage_estimated, 0) != 0) << 2),
          coalesce(NEW.input_tokens, 0), coalesce(NEW.output_tokens, 0), coalesce(NEW.cache_read_tokens, 0),
          coalesce(NEW.cache_write_tokens, 0), NEW.cost_usd);
END;
CREATE TABLE content (
  request_id INTEGER PRIMARY KEY REFERENCES request_rows(id),
  request_body TEXT,
  response_body TEXT
);
)sql",
    // Version 2: virtual gateway keys (spillway keys; src/keys/). Only the key's SHA-256 is
    // kept, and its first characters to tell keys apart in listings.
    R"sql(
CREATE TABLE keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER,
  priority TEXT,
  rpm INTEGER,
  tpm INTEGER,
  max_concurrency INTEGER,
  tokens_per_day INTEGER,
  tokens_per_month INTEGER,
  usd_per_day REAL,
  usd_per_month REAL,
  routes TEXT NOT NULL DEFAULT ''
);
)sql",
};
static_assert(migrations.size() == schema_version);

int user_version(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK) {
    throw DatabaseError(sqlite3_errmsg(db));
  }
  Statement owned(stmt);
  if (sqlite3_step(stmt) != SQLITE_ROW) {
    throw DatabaseError(sqlite3_errmsg(db));  // "file is not a database", for one
  }
  return sqlite3_column_int(stmt, 0);
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
  // SQLite counts every allocation under a global mutex unless told not to; nothing here reads
  // those counts. Only possible before SQLite initialises, hence once and first.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
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
