#pragma once
// The virtual keys as the gateway sees them while serving: which key a request presents, and
// whether that key may send it now (its own rate limits, budgets and allowed routes). Keys are
// re-read from the database within a second of `spillway keys create` or `revoke`, without a
// restart; a key's counters survive the re-read. Thread-safe.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

#include "audit/schema.hpp"
#include "common/api_error.hpp"
#include "keys/store.hpp"

namespace spillway::keys {

class KeyState;

// What an admitted request holds until it ends: its reservation against the key's budgets and
// token rate, and a place in its concurrency.
struct Hold {
  std::shared_ptr<KeyState> key;
  std::int64_t reserved_tokens = 0;
  double reserved_usd = 0;
};

// A key found by its digest: its name and settings as last read.
struct KeyView {
  std::shared_ptr<KeyState> state;
  std::string name;
  KeySettings settings;
};

class KeyGate {
 public:
  // Reads the keys in `db_path` (and, per key, what the audit records say it spent this UTC
  // day and month), then re-reads them whenever the database changes, checking every
  // `poll`. Throws audit::DatabaseError when the database cannot be opened.
  explicit KeyGate(std::string db_path, std::chrono::milliseconds poll = std::chrono::milliseconds{500});
  ~KeyGate();
  KeyGate(const KeyGate&) = delete;
  KeyGate& operator=(const KeyGate&) = delete;

  // The live key whose SHA-256 (lowercase hex) is `digest`, or nullopt.
  std::optional<KeyView> find(const std::string& digest) const;

  // May the key send a request on `route` now, reserving `tokens` (input estimate + output
  // ceiling) and `usd`? A refusal is the error to answer: 403 for a route it may not use or a
  // spent budget (naming it and when it resets), 429 with retry-after for its own rate limits.
  std::variant<Hold, ApiError> admit(const KeyView& key, const std::string& route, std::int64_t tokens, double usd,
                                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  // The request ended having used `tokens` costing `usd`: the reservation becomes the real spend.
  static void settle(Hold& hold, std::int64_t tokens, double usd);

  std::size_t size() const;

 private:
  void reload();
  void watch();

  std::string path_;
  std::chrono::milliseconds poll_;
  audit::Database db_;  // read-only; used by the constructor, then by the watcher thread only
  mutable std::mutex mutex_;
  std::unordered_map<std::string, KeyView> by_digest_;            // live keys
  std::unordered_map<std::int64_t, std::shared_ptr<KeyState>> states_;  // by key id, across re-reads
  std::int64_t data_version_ = -1;
  std::mutex wait_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace spillway::keys
