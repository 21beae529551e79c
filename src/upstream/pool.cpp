#include "upstream/pool.hpp"

namespace spillway::upstream {

std::unique_ptr<Connection> Pool::take_idle() {
  const auto now = Clock::now();
  // Newest first: the most recently used connection is the least likely to have been closed.
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < max_idle && c->tcp().is_open()) {
      return c;
    }
  }
  return nullptr;
}

void Pool::put_idle(std::unique_ptr<Connection> c) {
  if (retired_) {
    return;  // closes it
  }
  c->idle_since = Clock::now();
  idle_.push_back(std::move(c));
  while (idle_.size() > max_idle_connections_) {
    idle_.erase(idle_.begin());
  }
}

void Pool::retire() {
  retired_ = true;
  idle_.clear();
}

}  // namespace spillway::upstream
