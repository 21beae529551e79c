#include "route/explain.hpp"

namespace spillway::route {

namespace {

std::string describe(const config::Route& r) {
  std::string out = r.name.empty() ? "(unnamed)" : "'" + r.name + "'";
  out += " model " + r.model_pattern;
  if (r.line > 0) {
    out += " (line " + std::to_string(r.line) + ")";
  }
  return out;
}

std::string targets(const std::vector<config::RouteTarget>& to, std::string_view model) {
  std::string out;
  for (const auto& t : to) {
    out += (out.empty() ? "" : " -> ") + t.upstream + " (" + (t.model.empty() ? std::string(model) : t.model) + ")";
  }
  return out;
}

}  // namespace

std::string explain_text(const Router& router, const RequestFacts& facts, bool& matched) {
  std::string out = "request: model " + std::string(facts.model) + ", dialect " +
                    std::string(facts.dialect ? to_string(*facts.dialect) : "unknown") + ", about " +
                    std::to_string(facts.input_tokens) + " input tokens, tools " + (facts.tools ? "yes" : "no") +
                    ", thinking " + (facts.thinking ? "yes" : "no") + ", Claude Code " +
                    (facts.claude_code ? "yes" : "no") + ", key " +
                    (facts.key_name.empty() ? "(none)" : std::string(facts.key_name)) + ", agent " +
                    (facts.agent.empty() ? "(none)" : std::string(facts.agent)) + "\n";
  const auto verdicts = router.explain(facts);
  std::size_t n = 0;
  for (const auto& v : verdicts) {
    out += "  route " + std::to_string(++n) + " " + describe(*v.route) + ": " + (v.matched ? "MATCHED" : "no, " + v.why) + "\n";
  }
  matched = !verdicts.empty() && verdicts.back().matched;
  if (!matched) {
    out += "no route matches: " + router.no_route(facts.model).message + "\n";
    return out;
  }
  const auto& r = *verdicts.back().route;
  out += "chain: " + targets(r.to, facts.model) + "\n";
  if (!r.overflow.empty()) {
    out += "overflow: " + targets(r.overflow, facts.model) + "\n";
  }
  out += std::string("priority: ") + (r.priority == config::Priority::interactive ? "interactive" : "background") +
         ", max_wait " + std::to_string(r.max_wait.count()) + " ms";
  if (r.max_tokens > 0) {
    out += ", max_tokens ceiling " + std::to_string(r.max_tokens);
  }
  if (r.max_input_tokens > 0) {
    out += ", max_input_tokens " + std::to_string(r.max_input_tokens) +
           (facts.input_tokens > r.max_input_tokens ? " (this request is over it: refused with a 400)" : "");
  }
  out += "\naudit route label: " + r.label() + "\n";
  return out;
}

}  // namespace spillway::route
