#pragma once
// Hand-written JSON output for the simulator's hot path. Replies are small and their shape is
// fixed, so appending text to a reused buffer beats building a DOM per request.
#include <cstdint>
#include <string>
#include <string_view>

namespace spillway::sim {

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

void append_int(std::string& out, std::int64_t v);

}  // namespace spillway::sim
