#include "audit/sink.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/record_codec.hpp"
#include "common/log.hpp"

namespace spillway::audit {

namespace {

constexpr const char* insert_request_sql =
    "INSERT INTO request_rows (start_ms, end_ms, ttft_ms, key_name, agent, session, dialect, endpoint, model, route, "
    "upstream, upstream_model, refused_by, attempts, queued_ms, status, flags, input_tokens, output_tokens, "
    "cache_read_tokens, cache_write_tokens, cost_usd) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* select_name_sql = "SELECT id FROM names WHERE text = ?";
constexpr const char* insert_name_sql = "INSERT INTO names (text) VALUES (?)";
// Distinct strings remembered by the writer; past this many (sessions pile up over months) the
// memory is dropped and rebuilt from lookups.
constexpr std::size_t max_cached_names = 100'000;
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

void step_done(sqlite3* db, sqlite3_stmt* s) {
  if (sqlite3_step(s) != SQLITE_DONE) {
    throw DatabaseError(sqlite3_errmsg(db));
  }
}

}  // namespace

Sink::Sink(SinkOptions options)
    : options_(std::move(options)),
      db_(open_database(options_.path, OpenMode::write)),
      insert_request_(prepare(db_.get(), insert_request_sql)),
      insert_content_(prepare(db_.get(), insert_content_sql)),
      select_name_(prepare(db_.get(), select_name_sql)),
      insert_name_(prepare(db_.get(), insert_name_sql)) {
  queue_.reserve(options_.batch);
  writer_ = std::thread([this] { run(); });
}

Sink::~Sink() { stop(); }

void Sink::submit(const Record& record) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_records_ >= options_.queue_limit || queue_.size() >= options_.queue_bytes_limit) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    append_record(queue_, record);
    // The writer wakes on its own every flush interval; a full batch wakes it sooner. No
    // notify per record: that would be a futex call on the request path.
    wake = ++queue_records_ == options_.batch;
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
  return queue_records_;
}

void Sink::run() {
  // Background work: under full load the request threads go first, and the writer catches up
  // in their gaps (it needs a few percent of a core at tens of thousands of requests/s; the
  // queue absorbs the wait). Linux applies a nice value to the calling thread alone.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::string batch;  // swapped with queue_: both keep their capacity
  for (;;) {
    bool last = false;
    std::size_t records = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.flush_interval,
                     [this] { return stopping_ || queue_records_ >= options_.batch; });
      batch.swap(queue_);
      records = queue_records_;
      queue_records_ = 0;
      last = stopping_;
    }
    if (records > 0) {
      write(batch, records);
    }
    batch.clear();
    if (last) {
      return;  // stopping_ is set under the lock before the swap: nothing can queue after it
    }
  }
}

std::int64_t Sink::name_id(const std::string& text) {
  if (auto it = names_.find(text); it != names_.end()) {
    return it->second;
  }
  sqlite3* db = db_.get();
  std::int64_t id = 0;
  sqlite3_stmt* select = select_name_.get();
  sqlite3_reset(select);
  bind_text(select, 1, text);
  if (sqlite3_step(select) == SQLITE_ROW) {
    id = sqlite3_column_int64(select, 0);
  } else {
    sqlite3_stmt* insert = insert_name_.get();
    sqlite3_reset(insert);
    bind_text(insert, 1, text);
    step_done(db, insert);
    id = sqlite3_last_insert_rowid(db);
  }
  sqlite3_reset(select);
  if (names_.size() >= max_cached_names) {
    names_.clear();  // last_names_ stay right: ids never change once committed
  }
  names_.emplace(text, id);
  return id;
}

void Sink::insert(const Record& r) {
  sqlite3* db = db_.get();
  // Names first: their lookups use statements of their own, and may insert. Consecutive
  // records mostly repeat a column's value (one agent's loop): compared with the last one
  // before any hashing.
  const std::string* texts[] = {&r.key_name, &r.agent, &r.session,  &r.dialect,        &r.endpoint,
                                &r.model,    &r.route, &r.upstream, &r.upstream_model, &r.refused_by};
  std::int64_t names[std::size(texts)];
  for (std::size_t c = 0; c < std::size(texts); ++c) {
    auto& last = last_names_[c];
    if (!last.valid || last.text != *texts[c]) {
      last.id = name_id(*texts[c]);
      last.text = *texts[c];
      last.valid = true;
    }
    names[c] = last.id;
  }
  sqlite3_stmt* s = insert_request_.get();
  sqlite3_reset(s);
  int i = 0;
  sqlite3_bind_int64(s, ++i, r.start_ms);
  sqlite3_bind_int64(s, ++i, r.end_ms);
  if (r.ttft_ms >= 0) {
    sqlite3_bind_int64(s, ++i, r.ttft_ms);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  for (const auto id : names) {
    sqlite3_bind_int64(s, ++i, id);
  }
  sqlite3_bind_int(s, ++i, r.attempts);
  sqlite3_bind_int64(s, ++i, r.queued_ms);
  sqlite3_bind_int(s, ++i, r.status);
  sqlite3_bind_int(s, ++i, (r.stream ? 1 : 0) | (r.overflowed ? 2 : 0) | (r.usage_estimated ? 4 : 0));
  sqlite3_bind_int64(s, ++i, r.input_tokens);
  sqlite3_bind_int64(s, ++i, r.output_tokens);
  sqlite3_bind_int64(s, ++i, r.cache_read_tokens);
  sqlite3_bind_int64(s, ++i, r.cache_write_tokens);
  if (r.cost_usd) {
    sqlite3_bind_double(s, ++i, *r.cost_usd);
  } else {
    sqlite3_bind_null(s, ++i);
  }
  step_done(db, s);
  if (r.request_body || r.response_body) {
    sqlite3_stmt* content = insert_content_.get();
    sqlite3_reset(content);
    sqlite3_bind_int64(content, 1, sqlite3_last_insert_rowid(db));
    bind_optional_text(content, 2, r.request_body);
    bind_optional_text(content, 3, r.response_body);
    step_done(db, content);
  }
}

void Sink::write(std::string_view batch, std::size_t records) {
  sqlite3* db = db_.get();
  try {
    exec(db, "BEGIN");
    std::size_t count = 0;
    while (!batch.empty() && read_record(batch, scratch_)) {
      insert(scratch_);
      ++count;
    }
    if (count != records) {  // a bug in the codec: say it rather than lose records quietly
      throw DatabaseError(std::to_string(records) + " records queued but " + std::to_string(count) + " decoded");
    }
    exec(db, "COMMIT");
    written_.fetch_add(records, std::memory_order_relaxed);
  } catch (const DatabaseError& e) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    names_.clear();  // ids inserted by the rolled-back transaction are gone
    for (auto& last : last_names_) {
      last.valid = false;
    }
    dropped_.fetch_add(records, std::memory_order_relaxed);
    log::error("audit: " + std::to_string(records) + " records dropped, writing " + options_.path +
               " failed: " + e.what());
  }
}

}  // namespace spillway::audit
