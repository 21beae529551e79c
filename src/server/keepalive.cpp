#include "server/keepalive.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

#include "metrics/counters.hpp"

namespace spillway::server {

namespace {

constexpr std::string_view anthropic_ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n";
constexpr std::string_view sse_comment_ping = ": ping\n\n";

}  // namespace

QuietStreamPings::QuietStreamPings(Client& client, Dialect dialect, std::chrono::milliseconds every, bool chunked,
                                   std::string& owed)
    : client_(client), owed_(owed) {
  const std::string_view ping = dialect == Dialect::anthropic ? anthropic_ping : sse_comment_ping;
  if (chunked) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", ping.size());
    frame_ = std::string(size) + std::string(ping) + "\r\n";
  } else {
    frame_ = ping;
  }
  if (every.count() > 0 && client.watch.watchdog() != nullptr) {
    heartbeat_.emplace(*client.watch.watchdog(), every, [this] { beat(); });
  }
}

void QuietStreamPings::write_finished(bool at_event_boundary) {
  writing_ = false;
  at_boundary_ = at_event_boundary;
  ping_owed_ = false;  // the relay wrote everything owed, a ping's remainder included
  if (heartbeat_) {
    heartbeat_->touch();
  }
}

void QuietStreamPings::beat() {
  if (writing_ || !at_boundary_) {
    return;
  }
  if (!ping_owed_) {
    owed_ += frame_;
    ping_owed_ = true;
  }
  // MSG_DONTWAIT: a client that stopped reading costs nothing here; the relay's next write
  // carries what is left, under its own write timeout.
  const ssize_t n = ::send(client_.stream.native_handle(), owed_.data(), owed_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0) {
    return;  // EAGAIN, or a broken connection the relay's next write will report
  }
  owed_.erase(0, static_cast<std::size_t>(n));
  if (owed_.empty()) {
    ping_owed_ = false;
    ++sent_;
    metrics::bump(metrics::counters().stream_pings_sent);
  }
}

}  // namespace spillway::server
