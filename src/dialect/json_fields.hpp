#pragma once
// Small readers for JSON fields, shared by the translators (dialect/ internal).
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spillway::dialect {

// A JSON number as int64: integers as they are, doubles truncated toward zero; nullopt when v
// is not a number or lies outside int64's range (where a cast would be undefined behaviour).
std::optional<std::int64_t> int64_of(const boost::json::value& v);
// The same for a number the SAX readers were handed.
std::optional<std::int64_t> int64_of(double d);

// o[key] as a string, "" when absent or not a string.
std::string str_of(const boost::json::object& o, std::string_view key);

// Tool-call arguments as an object: a JSON string is parsed, an object taken as is; anything
// else (absent, empty, malformed, not an object) becomes {} (translation rule 3.2).
boost::json::value parse_arguments(const boost::json::value* args);

// An id for something the gateway makes up (msg_..., resp_..., fc_...): `prefix` and 24 random
// letters and digits.
std::string random_id(std::string_view prefix);

}  // namespace spillway::dialect
