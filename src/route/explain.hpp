#pragma once
// `spillway route explain`: which rule a request matches and why the ones before it did not,
// and what the matching route does with it. Text for a person debugging rules.
#include <string>

#include "route/router.hpp"

namespace spillway::route {

// Returns the text, and sets `matched` to whether a route matched.
std::string explain_text(const Router& router, const RequestFacts& facts, bool& matched);

}  // namespace spillway::route
