#pragma once
// Keep-alive pings on a streamed response while its upstream is silent. Claude Code gives up on
// a stream after minutes without a byte, and idle proxies between the gateway and the client
// close quiet connections; a local model can spend minutes on a long prompt before its first
// token. Anthropic clients get `event: ping` (what Anthropic itself sends, skipped by its SDKs),
// OpenAI clients an SSE comment. Internal to server/.
//
// A ping goes out only between whole events and never while the relay's own write is in
// flight, with a non-blocking send from the worker's watchdog tick: the relay never waits for
// it. Bytes a ping could not send stay at the front of `owed`, which the relay writes before its
// next piece (it holds the unsent response header the same way).
#include <chrono>
#include <optional>
#include <string>

#include "common/dialect.hpp"
#include "server/worker.hpp"

namespace spillway::server {

class QuietStreamPings {
 public:
  // `every` 0 turns pings off. `chunked`: the response uses chunked transfer coding.
  QuietStreamPings(Client& client, Dialect dialect, std::chrono::milliseconds every, bool chunked, std::string& owed);

  // Around each relay write. `at_event_boundary`: the bytes relayed so far end with a whole event.
  void write_started() { writing_ = true; }
  void write_finished(bool at_event_boundary);

  std::size_t sent() const { return sent_; }

 private:
  void beat();

  Client& client_;
  std::string frame_;  // one ping, framed for the wire
  std::string& owed_;
  bool writing_ = false;
  bool at_boundary_ = true;
  bool ping_owed_ = false;  // part of a ping is still in owed_: never add another behind it
  std::size_t sent_ = 0;
  std::optional<upstream::Heartbeat> heartbeat_;
};

}  // namespace spillway::server
