#pragma once
// Virtual gateway keys in the gateway's database (`spillway keys`; docs/keys.md): one per agent
// or team, each with its own limits, budgets, allowed routes and default priority. Only the
// key's SHA-256 is stored; the key itself is shown once, when it is created.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace spillway::keys {

struct KeySettings {
  std::optional<std::string> priority;  // "interactive" | "background"
  std::int64_t rpm = 0;                 // 0 = no limit
  std::int64_t tpm = 0;                 // input + output tokens per minute
  std::int64_t max_concurrency = 0;
  std::int64_t tokens_per_day = 0;      // budgets; 0 = none. Days and months are UTC.
  std::int64_t tokens_per_month = 0;
  double usd_per_day = 0;
  double usd_per_month = 0;
  std::vector<std::string> routes;      // route names it may use; empty = all
};

struct KeyRecord {
  std::int64_t id = 0;
  std::string name;
  std::string sha256;  // lowercase hex
  std::string prefix;  // the key's first characters, for listings
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> revoked_ms;
  KeySettings settings;
};

class KeyStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Each call is one statement or transaction on `db` (opened by audit::open_database).
// Creates a key named `name` and returns the key itself (shown once, never stored). Throws
// KeyStoreError when the name is taken or not a valid name.
std::string create_key(sqlite3* db, const std::string& name, const KeySettings& settings, std::int64_t now_ms);
std::vector<KeyRecord> list_keys(sqlite3* db);  // revoked ones included, by name
std::optional<KeyRecord> find_key(sqlite3* db, const std::string& name);
// Marks it revoked (kept, so the audit still names it). False when there is no such live key.
bool revoke_key(sqlite3* db, const std::string& name, std::int64_t now_ms);
// Keys not revoked.
std::vector<KeyRecord> active_keys(sqlite3* db);

}  // namespace spillway::keys
