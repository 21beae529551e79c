#pragma once
// The simulator's rate limits, enforced the way the providers describe theirs: one token
// bucket per dimension (requests, input tokens, output tokens per minute), each holding up to
// its per-minute limit and refilling continuously at limit/60 per second. Shared by all worker
// threads, so every method locks; the critical sections are a few arithmetic operations.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/dialect.hpp"

namespace spillway::sim {

class RateLimits {
 public:
  using clock = std::chrono::steady_clock;

  // A limit of 0 means that dimension is unlimited (and gets no headers). `time_scale` > 1
  // makes simulated time run faster: the buckets hold the same but refill time_scale times as
  // fast (so `spillway demo` can play minutes of a real tier in seconds).
  RateLimits(long rpm, long itpm, long otpm, clock::time_point now = clock::now(), double time_scale = 1);

  struct Decision {
    bool admitted = true;
    int retry_after_s = 0;          // when refused: whole seconds until the request would fit
    std::string_view limit_name;    // when refused: "requests", "input tokens", "output tokens"
    long limit = 0;                 // the per-minute limit that refused it
    bool never_fits = false;        // needs more than the bucket can ever hold
  };

  // Takes one request and `input_tokens` from their buckets, or nothing when any dimension is
  // short: all or nothing, so a refused request costs the caller nothing. Output tokens are
  // not reserved; a request is only refused on them while their bucket holds less than one.
  Decision admit(std::int64_t input_tokens, clock::time_point now);

  // Output tokens are spent as they are generated and may drive the bucket below zero; later
  // requests then wait until it refills.
  void spend_output(std::int64_t tokens, clock::time_point now);

  // Bucket levels now (negative after output overspend); for GET /mock/stats.
  struct Levels {
    double requests = 0;
    double input_tokens = 0;
    double output_tokens = 0;
  };
  Levels levels(clock::time_point now);
  long rpm() const { return requests_.limit; }
  long itpm() const { return input_.limit; }
  long otpm() const { return output_.limit; }

  bool any() const { return requests_.limit > 0 || input_.limit > 0 || output_.limit > 0; }

  // Appends the dialect's rate-limit response headers ("name: value\r\n" lines) for the state
  // at `now`. `wall_now` dates the Anthropic reset timestamps.
  void append_headers(std::string& out, Dialect dialect, clock::time_point now,
                      std::chrono::system_clock::time_point wall_now);

 private:
  struct Bucket {
    long limit = 0;
    double level = 0;
    double time_scale = 1;
    void refill(double elapsed_s);
    double rate_per_s() const { return static_cast<double>(limit) * time_scale / 60.0; }
    double seconds_until(double amount) const;
    double seconds_to_full() const;
  };
  void refill_locked(clock::time_point now);

  std::mutex mutex_;
  clock::time_point last_;
  double time_scale_ = 1;
  Bucket requests_;
  Bucket input_;
  Bucket output_;
};

// A duration the way OpenAI writes its reset headers (Go style): "20ms", "1s", "1.5s", "6m0s".
std::string go_duration(double seconds);

// "2025-01-12T23:11:59Z": the instant `seconds` after `wall_now`, rounded up to the second.
std::string rfc3339_after(std::chrono::system_clock::time_point wall_now, double seconds);

}  // namespace spillway::sim
