#pragma once
// The gateway process: worker threads, each with its own io_context, listener (SO_REUSEPORT)
// and upstream connection pools. Beast-free header: cli/ includes it.
#include <memory>
#include <string>

#include "config/config.hpp"

namespace spillway::server {

class Gateway {
 public:
  explicit Gateway(config::Config config);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds the listeners; a port of 0 picks a free one. Returns "HOST:PORT" as bound.
  // Throws std::runtime_error when the address cannot be bound.
  std::string bind();

  // Serves until SIGINT or SIGTERM (the first drains the requests in flight, a second stops at
  // once), then writes out the audit records still queued.
  void run();

 private:
  void serve();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spillway::server
