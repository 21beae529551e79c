#include "audit/sink.hpp"

#include "common/log.hpp"

namespace spillway::audit {

namespace {

constexpr const char* insert_request_sql =
    "INSERT INTO requests (start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model, route, "
    "upstream, upstream_model, attempts, queued_ms, status, stream, overflowed, refused_by, input_tokens, "
    "output_tokens, cache_read_tokens, cache_write_tokens, usage_estimated, cost_usd) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* insert_content_sql =
    "INSERT INTO content (request_id, request_body, response_body) VALUES (?,?,?)";

Statement prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    throw DatabaseError(sqlite3_errmsg(db));
  }
  return Statement(stmt);
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void bind_optional_text(sqlite3_stmt* s, int i, const std::optional<std::string>& v) {
  if (v) {
    bind_text(s, i, *v);
  } else {
    sqlite3_bind_null(s, i);
  }
}

void insert(sqlite3* db, sqlite3_stmt* s, sqlite3_stmt* content, const Record& r) {
  sqlite3_reset(s);
  int i = 0;
  sqlite3_bind_int64(s, ++i, r.start_ms);
  sqlite3_bind_int64(s, ++i, r.end_ms);
  if (r.ttft_ms >= 0) {
    sqlite3_bind_int64(s, ++i, r.ttft_ms);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  bind_text(s, ++i, r.key_name);
  bind_text(s, ++i, r.agent);
  bind_text(s, ++i, r.session);
  bind_text(s, ++i, r.dialect);
  bind_text(s, ++i, r.endpoint);
  bind_text(s, ++i, r.model);
  bind_text(s, ++i, r.route);
  bind_text(s, ++i, r.upstream);
  bind_text(s, ++i, r.upstream_model);
  sqlite3_bind_int(s, ++i, r.attempts);
  sqlite3_bind_int64(s, ++i, r.queued_ms);
  sqlite3_bind_int(s, ++i, r.status);
  sqlite3_bind_int(s, ++i, r.stream ? 1 : 0);
  sqlite3_bind_int(s, ++i, r.overflowed ? 1 : 0);
  bind_text(s, ++i, r.refused_by);
  sqlite3_bind_int64(s, ++i, r.input_tokens);
  sqlite3_bind_int64(s, ++i, r.output_tokens);
  sqlite3_bind_int64(s, ++i, r.cache_read_tokens);
  sqlite3_bind_int64(s, ++i, r.cache_write_tokens);
  sqlite3_bind_int(s, ++i, r.usage_estimated ? 1 : 0);
  if (r.cost_usd) {
    sqlite3_bind_double(s, ++i, *r.cost_usd);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  if (sqlite3_step(s) != SQLITE_DONE) {
    throw DatabaseError(sqlite3_errmsg(db));
  }
  if (r.request_body || r.response_body) {
    sqlite3_reset(content);
    sqlite3_bind_int64(content, 1, sqlite3_last_insert_rowid(db));
    bind_optional_text(content, 2, r.request_body);
    bind_optional_text(content, 3, r.response_body);
    if (sqlite3_step(content) != SQLITE_DONE) {
      throw DatabaseError(sqlite3_errmsg(db));
    }
  }
}

}  // namespace

Sink::Sink(SinkOptions options)
    : options_(std::move(options)),
      db_(open_database(options_.path, OpenMode::write)),
      insert_request_(prepare(db_.get(), insert_request_sql)),
      insert_content_(prepare(db_.get(), insert_content_sql)) {
  queue_.reserve(options_.batch);
  writer_ = std::thread([this] { run(); });
}

Sink::~Sink() { stop(); }

void Sink::submit(Record&& record) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_limit) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(record));
    // The writer wakes on its own every flush interval; a full batch wakes it sooner. No
    // notify per record: that would be a futex call on the request path.
    wake = queue_.size() == options_.batch;
  }
  if (wake) {
    wake_.notify_one();
  }
}

void Sink::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
  }
  if (dropped() > 0) {
    log::warn("audit: " + std::to_string(dropped()) + " records were dropped; " + std::to_string(written()) +
              " written to " + options_.path);
  }
}

std::size_t Sink::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Sink::run() {
  std::vector<Record> batch;
  batch.reserve(options_.batch);
  for (;;) {
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.flush_interval,
                     [this] { return stopping_ || queue_.size() >= options_.batch; });
      batch.swap(queue_);
      last = stopping_;
    }
    if (!batch.empty()) {
      write(batch);
      batch.clear();
    }
    if (last) {
      return;  // stopping_ is set under the lock before the swap: nothing can queue after it
    }
  }
}

void Sink::write(const std::vector<Record>& batch) {
  sqlite3* db = db_.get();
  try {
    exec(db, "BEGIN");
    for (const auto& r : batch) {
      insert(db, insert_request_.get(), insert_content_.get(), r);
    }
    exec(db, "COMMIT");
    written_.fetch_add(batch.size(), std::memory_order_relaxed);
  } catch (const DatabaseError& e) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
    log::error("audit: " + std::to_string(batch.size()) + " records dropped, writing " + options_.path +
               " failed: " + e.what());
  }
}

}  // namespace spillway::audit
