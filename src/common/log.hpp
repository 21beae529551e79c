#pragma once
// Operator-facing log lines on stderr. Only what an operator acts on: start-up, failures of
// upstreams and of the gateway itself. Successful requests are not logged (metrics count them).
// Messages never carry secrets: callers pass upstream names, never keys.
#include <string_view>

namespace spillway::log {

void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

}  // namespace spillway::log
