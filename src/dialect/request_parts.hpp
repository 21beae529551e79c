#pragma once
// Pieces the request parsers of all three dialects share (dialect/ internal): the invalid-request
// error, number readers, the list of dropped features, and the thinking-budget scale.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/api_error.hpp"
#include "dialect/core.hpp"

namespace spillway::dialect::parts {

constexpr std::int64_t min_thinking_budget = 1024;  // Anthropic's minimum budget_tokens

// A 400 invalid_request the client caused.
ApiError bad(std::string message);

std::optional<double> number_of(const boost::json::object& o, std::string_view key);
std::optional<std::int64_t> int_of(const boost::json::object& o, std::string_view key);

// Request features the upstream will not see, named in the client's dialect, each once; kept
// header-safe and short (the list goes into x-spillway-dropped and a log line).
using Dropped = std::vector<std::string>;
void note(Dropped& dropped, std::string name);
// Whether a field the translation cannot carry asked for anything (null, false, "", [], {} and
// OpenAI's documented defaults do not).
bool asks_for_something(std::string_view key, const boost::json::value& v);
// Notes each key of `o` outside `known` that asks for something, as prefix + key.
void note_unknown(const boost::json::object& o, std::initializer_list<std::string_view> known, std::string_view prefix,
                  Dropped& dropped);

core::Block text_block(std::string text);

// tool_choice as a string ("auto", "required", "none"), as OpenAI's two APIs write it;
// nullopt for any other word.
std::optional<core::ToolChoiceType> tool_choice_type(std::string_view word);

// OpenAI reasoning effort ("minimal" ... "max") -> an Anthropic thinking budget; nullopt for an
// unknown level.
std::optional<std::int64_t> budget_for_effort(std::string_view effort);

// The JSON Schema of a structured-output request (holder["schema"]), or an error naming `what`.
std::variant<boost::json::value, ApiError> output_schema_of(const boost::json::object& holder, std::string_view what);

}  // namespace spillway::dialect::parts
