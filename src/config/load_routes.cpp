#include "config/loader.hpp"

namespace spillway::config::detail {

namespace {

std::string upstream_names(const std::vector<Upstream>& upstreams) {
  std::string out;
  for (const auto& u : upstreams) {
    out += (out.empty() ? "" : ", ") + u.name;
  }
  return out;
}

RouteTarget read_target(const YamlFile& file, const Field& item, const std::vector<Upstream>& upstreams) {
  RouteTarget target;
  Field name_field = item;
  if (item.value.IsMap()) {
    MapFields map(file, item, {"upstream", "model"});
    name_field = map.require("upstream");
    if (auto model = map.get("model")) {
      target.model = as_string(file, *model, "expected the model name to send upstream");
    }
  }
  target.upstream = as_string(file, name_field, "expected an upstream name or {upstream: NAME, model: MODEL}");
  bool known = false;
  for (const auto& u : upstreams) {
    known = known || u.name == target.upstream;
  }
  if (!known) {
    file.fail(name_field.line, name_field.where + ": unknown upstream '" + target.upstream +
                                   "'; defined upstreams: " + upstream_names(upstreams));
  }
  return target;
}

std::vector<RouteTarget> read_targets(const YamlFile& file, const Field& to, const std::vector<Upstream>& upstreams) {
  std::vector<RouteTarget> out;
  if (to.value.IsScalar()) {
    // `to: claude` is read as `to: [claude]`.
    out.push_back(read_target(file, to, upstreams));
    return out;
  }
  auto items = sequence_items(file, to, "upstream names or {upstream: NAME, model: MODEL}");
  if (items.empty()) {
    file.fail(to.line, to.where + " is empty; expected at least one upstream");
  }
  for (const auto& target : items) {
    out.push_back(read_target(file, target, upstreams));
  }
  return out;
}

Route read_route(const YamlFile& file, const Field& item, const std::vector<Upstream>& upstreams) {
  MapFields map(file, item, {"match", "to", "overflow", "max_wait", "priority"});
  Route route;
  route.line = item.line;
  if (auto match = map.get("match")) {
    MapFields criteria(file, *match, {"model"});
    if (auto model = criteria.get("model")) {
      route.model_pattern = as_string(file, *model, "expected a model name or glob such as \"claude-*\"");
    }
  }
  route.to = read_targets(file, map.require("to"), upstreams);
  if (auto f = map.get("overflow")) {
    route.overflow = read_targets(file, *f, upstreams);
  }
  if (auto f = map.get("max_wait")) {
    route.max_wait = read_duration(file, *f, milliseconds{600'000});
  }
  if (auto f = map.get("priority")) {
    route.priority = read_priority(file, *f);
  }
  return route;
}

}  // namespace

// "20s", "1500ms", "2m": a duration with its unit (a bare number would be ambiguous).
milliseconds read_duration(const YamlFile& file, const Field& field, milliseconds max) {
  const std::string text = as_string(file, field, "expected a duration such as 20s or 1500ms");
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  const std::string unit = text.substr(digits);
  std::uint64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : 0;
  if (digits == 0 || digits > 9 || scale == 0) {
    file.fail(field.line, field.where + ": '" + text + "' is not a duration; expected a number with ms, s or m, e.g. 20s");
  }
  const milliseconds value{std::stoull(text.substr(0, digits)) * scale};
  if (value > max) {
    file.fail(field.line, field.where + ": " + text + " is longer than the " + std::to_string(max.count() / 1000) +
                              " s allowed");
  }
  return value;
}

Priority read_priority(const YamlFile& file, const Field& field) {
  const std::string v = as_string(file, field, "expected interactive or background");
  if (v == "interactive") {
    return Priority::interactive;
  }
  if (v != "background") {
    file.fail(field.line, field.where + ": unknown priority '" + v + "'; expected interactive or background");
  }
  return Priority::background;
}

std::vector<Route> read_routes(const YamlFile& file, const Field& routes, const std::vector<Upstream>& upstreams) {
  auto items = sequence_items(file, routes, "routes");
  if (items.empty()) {
    file.fail(routes.line, "routes is empty; expected at least one route (or leave routes out to send every model "
                           "to the first upstream)");
  }
  std::vector<Route> out;
  for (const auto& item : items) {
    out.push_back(read_route(file, item, upstreams));
  }
  return out;
}

Route default_route(const std::vector<Upstream>& upstreams) {
  Route route;
  route.model_pattern = "*";
  route.to.push_back(RouteTarget{upstreams.front().name, ""});
  return route;
}

}  // namespace spillway::config::detail
