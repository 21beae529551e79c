#pragma once
// The audit database's schema, versioned with SQLite's user_version. open_database() creates
// it or migrates an older one forward, one step at a time, each in its own transaction; a
// database written by a newer spillway is refused rather than misread.
//
// The view `requests` shows one row per Record (record.hpp), times in Unix milliseconds, with
// the same column names as Record's members; table `content` holds the opt-in request and
// response bodies, keyed by requests.id. (The rows themselves are in `request_rows`, strings
// as ids into `names`: see schema.cpp.)
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace spillway::audit {

inline constexpr int schema_version = 2;

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, SqliteCloser>;
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class OpenMode { write, read_only };

// Opens (write: creating) `path`, in WAL mode, with the schema at schema_version.
// Throws DatabaseError naming the file and what is wrong.
Database open_database(const std::string& path, OpenMode mode);

// Runs `sql` (several statements allowed); throws DatabaseError with SQLite's message.
void exec(sqlite3* db, const char* sql);

}  // namespace spillway::audit
