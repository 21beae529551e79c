#pragma once
// A child process of spillway's own binary (mock providers and the gateway for `spillway
// demo`), started with its stdout on a pipe so its "listening on URL" line can be read, and
// stopped by its PID when the handle goes away.
#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace spillway::sim {

class ChildProcess {
 public:
  // Runs this executable (/proc/self/exe) with `args`. Throws std::runtime_error on failure.
  explicit ChildProcess(const std::vector<std::string>& args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line containing "listening on URL"; returns URL. Throws when the
  // child exits or `timeout` passes first.
  std::string wait_for_url(std::chrono::milliseconds timeout);

  // SIGTERM, then SIGKILL after a grace period; waits for the exit.
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

// Runs this executable with `args`, its stdout and stderr the caller's, and waits for it.
// Returns its exit status (-1 when it could not be started or was killed).
int run_self(const std::vector<std::string>& args);

}  // namespace spillway::sim
