#include "keys/store.hpp"

#include <openssl/rand.h>

#include "audit/schema.hpp"
#include "config/config.hpp"

namespace spillway::keys {

namespace {

using audit::Statement;

Statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw KeyStoreError(sqlite3_errmsg(db));
  }
  return Statement(raw);
}

void bind_optional_int(sqlite3_stmt* s, int i, std::int64_t v) {
  v > 0 ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

void bind_optional_double(sqlite3_stmt* s, int i, double v) {
  v > 0 ? sqlite3_bind_double(s, i, v) : sqlite3_bind_null(s, i);
}

std::string text(sqlite3_stmt* s, int c) {
  const auto* p = sqlite3_column_text(s, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, c)))
           : std::string();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : ",") + s;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto comma = s.find(',', pos);
    if (comma == std::string::npos) {
      comma = s.size();
    }
    if (comma > pos) {
      out.push_back(s.substr(pos, comma - pos));
    }
    pos = comma + 1;
  }
  return out;
}

constexpr const char* columns =
    "id, name, sha256, prefix, created_ms, revoked_ms, priority, rpm, tpm, max_concurrency, tokens_per_day, "
    "tokens_per_month, usd_per_day, usd_per_month, routes";

KeyRecord read_row(sqlite3_stmt* s) {
  KeyRecord k;
  int c = 0;
  k.id = sqlite3_column_int64(s, c++);
  k.name = text(s, c++);
  k.sha256 = text(s, c++);
  k.prefix = text(s, c++);
  k.created_ms = sqlite3_column_int64(s, c++);
  if (sqlite3_column_type(s, c) != SQLITE_NULL) {
    k.revoked_ms = sqlite3_column_int64(s, c);
  }
  ++c;
  if (sqlite3_column_type(s, c) != SQLITE_NULL) {
    k.settings.priority = text(s, c);
  }
  ++c;
  k.settings.rpm = sqlite3_column_int64(s, c++);
  k.settings.tpm = sqlite3_column_int64(s, c++);
  k.settings.max_concurrency = sqlite3_column_int64(s, c++);
  k.settings.tokens_per_day = sqlite3_column_int64(s, c++);
  k.settings.tokens_per_month = sqlite3_column_int64(s, c++);
  k.settings.usd_per_day = sqlite3_column_double(s, c++);
  k.settings.usd_per_month = sqlite3_column_double(s, c++);
  k.settings.routes = split(text(s, c++));
  return k;
}

std::vector<KeyRecord> select(sqlite3* db, const std::string& where) {
  auto stmt = prepare(db, ("SELECT " + std::string(columns) + " FROM keys " + where + " ORDER BY name").c_str());
  std::vector<KeyRecord> out;
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    out.push_back(read_row(stmt.get()));
  }
  return out;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string create_key(sqlite3* db, const std::string& name, const KeySettings& settings, std::int64_t now_ms) {
  if (!valid_name(name)) {
    throw KeyStoreError("a key name is 1 to 64 letters, digits, '-', '_' or '.', not '" + name + "'");
  }
  unsigned char random[24];
  if (RAND_bytes(random, sizeof random) != 1) {
    throw KeyStoreError("no randomness for a new key");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string key = "sk-spillway-";
  for (unsigned char b : random) {
    key += hex[b >> 4];
    key += hex[b & 15];
  }
  auto stmt = prepare(db,
                      "INSERT INTO keys (name, sha256, prefix, created_ms, priority, rpm, tpm, max_concurrency, "
                      "tokens_per_day, tokens_per_month, usd_per_day, usd_per_month, routes) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  sqlite3_stmt* s = stmt.get();
  const std::string digest = config::sha256_hex(key);
  const std::string prefix = key.substr(0, 16);
  const std::string routes = join(settings.routes);
  int i = 0;
  sqlite3_bind_text(s, ++i, name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, ++i, digest.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, ++i, prefix.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, ++i, now_ms);
  if (settings.priority) {
    sqlite3_bind_text(s, ++i, settings.priority->c_str(), -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  bind_optional_int(s, ++i, settings.rpm);
  bind_optional_int(s, ++i, settings.tpm);
  bind_optional_int(s, ++i, settings.max_concurrency);
  bind_optional_int(s, ++i, settings.tokens_per_day);
  bind_optional_int(s, ++i, settings.tokens_per_month);
  bind_optional_double(s, ++i, settings.usd_per_day);
  bind_optional_double(s, ++i, settings.usd_per_month);
  sqlite3_bind_text(s, ++i, routes.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_DONE) {
    const int code = sqlite3_extended_errcode(db);
    if (code == SQLITE_CONSTRAINT_UNIQUE) {
      throw KeyStoreError("a key named '" + name + "' exists already (revoked keys keep their name)");
    }
    throw KeyStoreError(sqlite3_errmsg(db));
  }
  return key;
}

std::vector<KeyRecord> list_keys(sqlite3* db) { return select(db, ""); }

std::optional<KeyRecord> find_key(sqlite3* db, const std::string& name) {
  auto stmt = prepare(db, ("SELECT " + std::string(columns) + " FROM keys WHERE name = ?").c_str());
  sqlite3_bind_text(stmt.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    return read_row(stmt.get());
  }
  return std::nullopt;
}

bool revoke_key(sqlite3* db, const std::string& name, std::int64_t now_ms) {
  auto stmt = prepare(db, "UPDATE keys SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL");
  sqlite3_bind_int64(stmt.get(), 1, now_ms);
  sqlite3_bind_text(stmt.get(), 2, name.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
    throw KeyStoreError(sqlite3_errmsg(db));
  }
  return sqlite3_changes(db) == 1;
}

std::vector<KeyRecord> active_keys(sqlite3* db) { return select(db, "WHERE revoked_ms IS NULL"); }

}  // namespace spillway::keys
