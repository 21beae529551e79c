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

Route read_route(const YamlFile& file, const Field& item, const std::vector<Upstream>& upstreams) {
  MapFields map(file, item, {"match", "to"});
  Route route;
  route.line = item.line;
  if (auto match = map.get("match")) {
    MapFields criteria(file, *match, {"model"});
    if (auto model = criteria.get("model")) {
      route.model_pattern = as_string(file, *model, "expected a model name or glob such as \"claude-*\"");
    }
  }
  Field to = map.require("to");
  if (to.value.IsScalar()) {
    // `to: claude` is read as `to: [claude]`.
    route.to.push_back(read_target(file, to, upstreams));
    return route;
  }
  auto items = sequence_items(file, to, "upstream names or {upstream: NAME, model: MODEL}");
  if (items.empty()) {
    file.fail(to.line, to.where + " is empty; expected at least one upstream");
  }
  for (const auto& target : items) {
    route.to.push_back(read_target(file, target, upstreams));
  }
  return route;
}

}  // namespace

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
