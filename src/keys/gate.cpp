#include "keys/gate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "audit/schema.hpp"
#include "common/log.hpp"

namespace spillway::keys {

using Clock = std::chrono::system_clock;

namespace {

std::int64_t unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// UTC day and month boundaries, as Unix ms.
std::int64_t day_start(std::int64_t ms) { return ms - ms % 86'400'000; }
std::int64_t next_day(std::int64_t ms) { return day_start(ms) + 86'400'000; }
std::int64_t month_start(std::int64_t ms, int add_months = 0) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mon += add_months;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string iso(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A continuous bucket refilled at `per_minute` a minute, holding at most that much.
struct Bucket {
  double level = 0;
  std::int64_t at_ms = 0;
  void refill(std::int64_t limit, std::int64_t now_ms) {
    if (at_ms == 0) {
      level = static_cast<double>(limit);
    } else {
      level = std::min<double>(static_cast<double>(limit),
                               level + static_cast<double>(limit) * static_cast<double>(now_ms - at_ms) / 60'000.0);
    }
    at_ms = now_ms;
  }
  // Seconds until `amount` fits (at least 1).
  std::int64_t wait_s(std::int64_t limit, double amount) const {
    const double missing = amount - level;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(missing * 60.0 / static_cast<double>(limit))));
  }
};

}  // namespace

class KeyState {
 public:
  std::mutex mutex;
  std::int64_t in_flight = 0;
  Bucket requests;
  Bucket tokens;
  // Spend in the current UTC day and month: settled, and reserved by requests in flight.
  std::int64_t day = 0;    // its start, Unix ms
  std::int64_t month = 0;  // its start, Unix ms
  std::int64_t day_tokens = 0, month_tokens = 0, reserved_tokens = 0;
  double day_usd = 0, month_usd = 0, reserved_usd = 0;

  void roll(std::int64_t now_ms) {
    if (day_start(now_ms) != day) {
      day = day_start(now_ms);
      day_tokens = 0;
      day_usd = 0;
    }
    if (month_start(now_ms) != month) {
      month = month_start(now_ms);
      month_tokens = 0;
      month_usd = 0;
    }
  }
};

KeyGate::KeyGate(std::string db_path, std::chrono::milliseconds poll) : path_(std::move(db_path)), poll_(poll) {
  reload();
  watcher_ = std::thread([this] { watch(); });
}

KeyGate::~KeyGate() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (watcher_.joinable()) {
    watcher_.join();
  }
}

void KeyGate::watch() {
  for (;;) {
    {
      std::unique_lock lock(wait_mutex_);
      if (wake_.wait_for(lock, poll_, [this] { return stopping_; })) {
        return;
      }
    }
    try {
      reload();
    } catch (const std::exception& e) {
      log::warn(std::string("keys: re-reading the key table failed (the keys as last read stay): ") + e.what());
    }
  }
}

void KeyGate::reload() {
  if (!db_) {
    db_ = audit::open_database(path_, audit::OpenMode::read_only);
  }
  sqlite3* db = db_.get();
  // A signature of the table that any create or revoke changes; the table is small.
  std::int64_t version = -1;
  {
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(id * 1000003 + coalesce(revoked_ms, 0)), 0) FROM keys", -1,
                       &raw, nullptr);
    audit::Statement stmt(raw);
    if (raw == nullptr || sqlite3_step(raw) != SQLITE_ROW) {
      throw audit::DatabaseError(sqlite3_errmsg(db));
    }
    version = sqlite3_column_int64(raw, 0) * 7919 + sqlite3_column_int64(raw, 1);
  }
  {
    std::lock_guard lock(mutex_);
    if (version == data_version_) {
      return;
    }
  }
  const auto keys = active_keys(db);
  const std::int64_t now = unix_ms(Clock::now());
  std::unordered_map<std::string, KeyView> fresh;
  std::lock_guard lock(mutex_);
  for (const auto& k : keys) {
    auto& state = states_[k.id];
    if (!state) {
      // A key seen for the first time: what the audit says it spent this day and month.
      state = std::make_shared<KeyState>();
      state->roll(now);
      sqlite3_stmt* raw = nullptr;
      sqlite3_prepare_v2(db,
                         "SELECT coalesce(sum(CASE WHEN start_ms >= ?2 THEN input_tokens + output_tokens + "
                         "cache_read_tokens + cache_write_tokens END), 0), "
                         "coalesce(sum(CASE WHEN start_ms >= ?2 THEN cost_usd END), 0), "
                         "coalesce(sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), 0), "
                         "coalesce(sum(cost_usd), 0) FROM request_rows "
                         "WHERE key_name = (SELECT id FROM names WHERE text = ?1) AND start_ms >= ?3",
                         -1, &raw, nullptr);
      audit::Statement stmt(raw);
      if (raw != nullptr) {
        sqlite3_bind_text(raw, 1, k.name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(raw, 2, state->day);
        sqlite3_bind_int64(raw, 3, state->month);
        if (sqlite3_step(raw) == SQLITE_ROW) {
          state->day_tokens = sqlite3_column_int64(raw, 0);
          state->day_usd = sqlite3_column_double(raw, 1);
          state->month_tokens = sqlite3_column_int64(raw, 2);
          state->month_usd = sqlite3_column_double(raw, 3);
        }
      }
    }
    fresh.emplace(k.sha256, KeyView{state, k.name, k.settings});
  }
  by_digest_ = std::move(fresh);
  data_version_ = version;
}

std::optional<KeyView> KeyGate::find(const std::string& digest) const {
  std::lock_guard lock(mutex_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t KeyGate::size() const {
  std::lock_guard lock(mutex_);
  return by_digest_.size();
}

std::variant<Hold, ApiError> KeyGate::admit(const KeyView& key, const std::string& route, std::int64_t tokens,
                                            double usd, Clock::time_point now) {
  const auto& s = key.settings;
  if (!s.routes.empty() && std::find(s.routes.begin(), s.routes.end(), route) == s.routes.end()) {
    return make_error(ErrorKind::permission,
                      "gateway key '" + key.name + "' may not use route '" + route + "' (it may use: " + [&] {
                        std::string list;
                        for (const auto& r : s.routes) {
                          list += (list.empty() ? "" : ", ") + r;
                        }
                        return list;
                      }() + ")",
                      ErrorSource::client);
  }
  const std::int64_t now_ms = unix_ms(now);
  auto& st = *key.state;
  std::lock_guard lock(st.mutex);
  st.roll(now_ms);
  auto over_budget = [&](const std::string& budget, const std::string& spent, const std::string& limit,
                         std::int64_t resets) {
    return make_error(ErrorKind::permission,
                      "gateway key '" + key.name + "' has spent its budget " + budget + " (" + spent + " of " + limit +
                          "); it resets at " + iso(resets),
                      ErrorSource::client);
  };
  auto usd_text = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "$%.2f", v);
    return std::string(buf);
  };
  // A budget admits a request while what is spent and held stays within it: requests in
  // flight together can pass it by at most one reservation's error.
  if (s.tokens_per_day > 0 && st.day_tokens + st.reserved_tokens + tokens > s.tokens_per_day) {
    return over_budget("tokens_per_day", std::to_string(st.day_tokens + st.reserved_tokens) + " tokens",
                       std::to_string(s.tokens_per_day), next_day(now_ms));
  }
  if (s.tokens_per_month > 0 && st.month_tokens + st.reserved_tokens + tokens > s.tokens_per_month) {
    return over_budget("tokens_per_month", std::to_string(st.month_tokens + st.reserved_tokens) + " tokens",
                       std::to_string(s.tokens_per_month), month_start(now_ms, 1));
  }
  if (s.usd_per_day > 0 && st.day_usd + st.reserved_usd + usd > s.usd_per_day) {
    return over_budget("usd_per_day", usd_text(st.day_usd + st.reserved_usd), usd_text(s.usd_per_day), next_day(now_ms));
  }
  if (s.usd_per_month > 0 && st.month_usd + st.reserved_usd + usd > s.usd_per_month) {
    return over_budget("usd_per_month", usd_text(st.month_usd + st.reserved_usd), usd_text(s.usd_per_month),
                       month_start(now_ms, 1));
  }
  auto too_fast = [&](const std::string& what, std::int64_t wait_s) {
    auto e = make_error(ErrorKind::rate_limit,
                        "gateway key '" + key.name + "' is over its own limit: " + what + "; retry in " +
                            std::to_string(wait_s) + " s",
                        ErrorSource::client);
    e.retry_after_s = static_cast<int>(std::min<std::int64_t>(wait_s, 3600));
    return e;
  };
  if (s.max_concurrency > 0 && st.in_flight >= s.max_concurrency) {
    return too_fast(std::to_string(s.max_concurrency) + " requests at once", 1);
  }
  if (s.rpm > 0) {
    st.requests.refill(s.rpm, now_ms);
    if (st.requests.level < 1) {
      return too_fast(std::to_string(s.rpm) + " requests a minute", st.requests.wait_s(s.rpm, 1));
    }
  }
  if (s.tpm > 0) {
    st.tokens.refill(s.tpm, now_ms);
    // A request larger than the whole minute's allowance waits for a full bucket, not forever.
    const double need = std::min<double>(static_cast<double>(tokens), static_cast<double>(s.tpm));
    if (st.tokens.level < need) {
      return too_fast(std::to_string(s.tpm) + " tokens a minute", st.tokens.wait_s(s.tpm, need));
    }
    st.tokens.level -= static_cast<double>(tokens);
  }
  if (s.rpm > 0) {
    st.requests.level -= 1;
  }
  ++st.in_flight;
  st.reserved_tokens += tokens;
  st.reserved_usd += usd;
  return Hold{key.state, tokens, usd};
}

void KeyGate::settle(Hold& hold, std::int64_t tokens, double usd) {
  if (!hold.key) {
    return;
  }
  auto& st = *hold.key;
  std::lock_guard lock(st.mutex);
  --st.in_flight;
  st.reserved_tokens -= hold.reserved_tokens;
  st.reserved_usd -= hold.reserved_usd;
  st.day_tokens += tokens;
  st.month_tokens += tokens;
  st.day_usd += usd;
  st.month_usd += usd;
  // The token bucket was charged the reservation: the difference is returned or taken.
  st.tokens.level += static_cast<double>(hold.reserved_tokens - tokens);
  hold.key.reset();
}

}  // namespace spillway::keys
