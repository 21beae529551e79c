#pragma once
// The audit sink: usage records go to SQLite off the request path. submit() only moves the
// record into a bounded queue; a writer thread inserts what has queued in one transaction
// every flush interval (or sooner when a batch is full). stop() writes everything queued, so
// a clean stop (SIGTERM / SIGINT drain) loses nothing; a crash loses at most what was queued
// since the last flush. A record that cannot be kept (queue full, a write that failed) is
// counted as dropped and said in the log, never lost silently.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "audit/record.hpp"
#include "audit/schema.hpp"

namespace spillway::audit {

struct SinkOptions {
  std::string path;                      // the SQLite file (created and migrated when needed)
  std::size_t queue_limit = 100'000;     // records waiting to be written; beyond it, dropped
  std::size_t queue_bytes_limit = 256u << 20;  // and their bytes (bodies, with store_content)
  std::size_t batch = 2'000;             // a full batch wakes the writer before the interval
  std::chrono::milliseconds flush_interval{100};
};

class Sink {
 public:
  // Opens the database; throws DatabaseError when it cannot be used.
  explicit Sink(SinkOptions options);
  ~Sink();  // stop()
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Thread-safe, never blocks on I/O: copies the record into the queue.
  void submit(const Record& record);
  // Writes everything queued and ends the writer. Idempotent; submit() after it drops.
  void stop();

  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::size_t queued() const;
  const std::string& path() const { return options_.path; }

 private:
  void run();
  void write(std::string_view batch, std::size_t records);
  void insert(const Record& record);
  std::int64_t name_id(const std::string& text);  // writer thread only

  SinkOptions options_;
  Database db_;  // declared before the statements: they are finalized first
  Statement insert_request_;
  Statement insert_content_;
  Statement select_name_;
  Statement insert_name_;
  std::unordered_map<std::string, std::int64_t> names_;  // writer thread only: text -> names.id
  Record scratch_;                                        // writer thread only: the record decoded
  struct LastName {
    std::string text;
    std::int64_t id = 0;
    bool valid = false;
  };
  LastName last_names_[10];  // writer thread only: per string column, the last value and its id
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string queue_;            // records, encoded (record_codec.hpp)
  std::size_t queue_records_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace spillway::audit
