#include <cctype>

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

// A string or a list of strings.
std::vector<std::string> read_strings(const YamlFile& file, const Field& f, std::string_view what) {
  std::vector<std::string> out;
  if (f.value.IsSequence()) {
    auto items = sequence_items(file, f, what);
    if (items.empty()) {
      file.fail(f.line, f.where + " is an empty list; expected " + std::string(what));
    }
    for (const auto& item : items) {
      out.push_back(as_string(file, item, std::string("expected ") + std::string(what)));
    }
  } else {
    out.push_back(as_string(file, f, std::string("expected ") + std::string(what)));
  }
  return out;
}

const ModelAlias* find_alias(const std::vector<ModelAlias>& aliases, std::string_view name) {
  for (const auto& a : aliases) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

void read_match(const YamlFile& file, const Field& match, const std::vector<ModelAlias>& aliases, Route& route) {
  MapFields criteria(file, match,
                     {"model", "dialect", "path", "header", "key", "agent", "min_input_tokens", "max_input_tokens",
                      "tools", "thinking", "background"});
  auto& when = route.when;
  if (auto f = criteria.get("model")) {
    const auto names = read_strings(file, *f, "a model name, glob such as \"claude-*\" or alias");
    route.model_pattern.clear();
    for (const auto& name : names) {
      route.model_pattern += (route.model_pattern.empty() ? "" : "|") + name;
      route.models.push_back(name);  // an alias name also matches itself, as a model name
      if (const auto* alias = find_alias(aliases, name)) {
        route.models.insert(route.models.end(), alias->models.begin(), alias->models.end());
      }
    }
    if (route.models.size() == 1) {
      route.models.clear();  // a plain glob: model_pattern says it all
    }
  }
  if (auto f = criteria.get("dialect")) {
    const auto v = as_string(file, *f, "expected anthropic, openai or responses");
    when.dialect = dialect_from_string(v);
    if (!when.dialect) {
      file.fail(f->line, f->where + ": unknown dialect '" + v + "'; expected anthropic, openai or responses");
    }
  }
  if (auto f = criteria.get("path")) {
    if (criteria.get("dialect")) {
      file.fail(f->line, f->where + ": give either path or dialect, not both (a path says its dialect)");
    }
    const auto v = as_string(file, *f, "expected /v1/messages, /v1/chat/completions or /v1/responses");
    if (v == "/v1/messages") {
      when.dialect = Dialect::anthropic;
    } else if (v == "/v1/chat/completions") {
      when.dialect = Dialect::openai;
    } else if (v == "/v1/responses") {
      when.dialect = Dialect::responses;
    } else {
      file.fail(f->line, f->where + ": unknown path '" + v +
                             "'; expected /v1/messages, /v1/chat/completions or /v1/responses");
    }
  }
  if (auto f = criteria.get("header")) {
    if (!f->value.IsMap() || f->value.size() == 0) {
      file.fail(f->line, f->where + ": expected a mapping of header names to values (globs), e.g. "
                                    "{x-spillway-tier: junior}");
    }
    for (const auto& kv : f->value) {
      std::string name = kv.first.as<std::string>();
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      Field value{kv.second, f->where + "." + name, line_of(kv.second, f->line)};
      when.headers.emplace_back(std::move(name), as_string(file, value, "expected the header's value (a glob)"));
    }
  }
  if (auto f = criteria.get("key")) {
    when.keys = read_strings(file, *f, "gateway key names (as under auth: name)");
  }
  if (auto f = criteria.get("agent")) {
    when.agents = read_strings(file, *f, "agent labels (globs)");
  }
  if (auto f = criteria.get("min_input_tokens")) {
    when.min_input_tokens = static_cast<std::int64_t>(as_uint(file, *f, 0, 100'000'000));
  }
  if (auto f = criteria.get("max_input_tokens")) {
    when.max_input_tokens = static_cast<std::int64_t>(as_uint(file, *f, 0, 100'000'000));
    if (when.max_input_tokens < when.min_input_tokens) {
      file.fail(f->line, f->where + ": smaller than min_input_tokens, so nothing would match");
    }
  }
  if (auto f = criteria.get("tools")) {
    when.tools = as_bool(file, *f);
  }
  if (auto f = criteria.get("thinking")) {
    when.thinking = as_bool(file, *f);
  }
  if (auto f = criteria.get("background")) {
    when.background = as_bool(file, *f);
  }
}

Route read_route(const YamlFile& file, const Field& item, const std::vector<Upstream>& upstreams,
                 const std::vector<ModelAlias>& aliases) {
  MapFields map(file, item, {"name", "match", "to", "overflow", "max_wait", "priority", "max_tokens", "max_input_tokens"});
  Route route;
  route.line = item.line;
  if (auto f = map.get("name")) {
    route.name = as_string(file, *f, "expected a name for this route");
  }
  if (auto match = map.get("match")) {
    read_match(file, *match, aliases, route);
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
  if (auto f = map.get("max_tokens")) {
    route.max_tokens = static_cast<std::int64_t>(as_uint(file, *f, 1, 10'000'000));
  }
  if (auto f = map.get("max_input_tokens")) {
    route.max_input_tokens = static_cast<std::int64_t>(as_uint(file, *f, 1, 100'000'000));
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

std::vector<ModelAlias> read_aliases(const YamlFile& file, const Field& field) {
  if (!field.value.IsMap()) {
    file.fail(field.line, "aliases: expected a mapping of names to models, e.g. {senior: [claude-opus-*], junior: qwen*}");
  }
  std::vector<ModelAlias> out;
  for (const auto& kv : field.value) {
    ModelAlias alias;
    alias.name = kv.first.as<std::string>();
    Field models{kv.second, "aliases." + alias.name, line_of(kv.second, field.line)};
    alias.models = read_strings(file, models, "model names or globs");
    for (const auto& other : out) {
      if (other.name == alias.name) {
        file.fail(models.line, "alias '" + alias.name + "' is defined twice");
      }
    }
    out.push_back(std::move(alias));
  }
  return out;
}

std::vector<Route> read_routes(const YamlFile& file, const Field& routes, const std::vector<Upstream>& upstreams,
                               const std::vector<ModelAlias>& aliases) {
  auto items = sequence_items(file, routes, "routes");
  if (items.empty()) {
    file.fail(routes.line, "routes is empty; expected at least one route (or leave routes out to send every model "
                           "to the first upstream)");
  }
  std::vector<Route> out;
  for (const auto& item : items) {
    out.push_back(read_route(file, item, upstreams, aliases));
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
      if (!out.back().name.empty() && out[i].name == out.back().name) {
        file.fail(item.line, "route name '" + out.back().name + "' is used twice (first at line " +
                                 std::to_string(out[i].line) + ")");
      }
    }
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
