#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace spillway::log {

namespace {

spdlog::logger& logger() {
  // Thread-safe sink: every worker thread logs through it; stdout stays free for the
  // machine-read "listening on" line.
  static auto instance = [] {
    auto l = spdlog::stderr_logger_mt("spillway");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    return l;
  }();
  return *instance;
}

}  // namespace

void info(std::string_view message) { logger().info("{}", message); }
void warn(std::string_view message) { logger().warn("{}", message); }
void error(std::string_view message) { logger().error("{}", message); }

}  // namespace spillway::log
