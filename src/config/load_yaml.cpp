#include <yaml-cpp/yaml.h>

#include "config/loader.hpp"
#include "config/read_file.hpp"

namespace spillway::config {

namespace {

using detail::Field;
using detail::MapFields;
using detail::YamlFile;

Config read_config(const YamlFile& file, const YAML::Node& root, const EnvLookup& env) {
  if (root.IsNull() || !root.IsDefined()) {
    file.fail(0, "the config is empty; expected at least an `upstreams:` list");
  }
  MapFields top(file, Field{root, "", detail::line_of(root, 1)},
                {"listen", "threads", "auth", "admin", "limits", "audit", "upstreams", "aliases", "routes"});
  Config config;
  config.source = file.name();

  if (auto f = top.get("listen")) {
    std::string text = detail::as_string(file, *f, "expected HOST:PORT such as 127.0.0.1:4000 (quote IPv6: \"[::1]:4000\")");
    try {
      std::tie(config.listen_host, config.listen_port) = parse_listen(text);
    } catch (const std::invalid_argument& e) {
      file.fail(f->line, std::string("bad listen address: ") + e.what());
    }
  }
  if (auto f = top.get("threads")) {
    config.threads = static_cast<int>(detail::as_uint(file, *f, 0, 1024));
  }
  if (auto f = top.get("auth")) {
    config.auth = detail::read_auth(file, *f);
  } else if (is_loopback_host(config.listen_host)) {
    // Only this machine can connect, as with `auth: none`.
    config.auth.none = true;
  } else {
    file.fail(top.get("listen")->line, "auth is required when listening on " + config.listen_host +
                                           ", which is not a loopback address; list accepted key digests under "
                                           "`auth:`, or write `auth: none` to accept anyone who can connect");
  }
  if (auto f = top.get("limits")) {
    config.limits = detail::read_limits(file, *f);
  }

  if (auto f = top.get("admin")) {
    detail::MapFields admin(file, *f, {"allow_remote"});
    if (auto r = admin.get("allow_remote")) {
      config.admin.allow_remote = detail::as_bool(file, *r);
    }
  }
  if (auto f = top.get("audit")) {
    config.audit = detail::read_audit(file, *f);
  }

  auto upstreams = top.get("upstreams");
  if (!upstreams) {
    file.fail(top.line(), "no upstreams: missing required key 'upstreams' at the top level; expected a list of "
                          "upstreams, each with name, kind and base_url");
  }
  auto items = detail::sequence_items(file, *upstreams, "upstreams");
  if (items.empty()) {
    file.fail(upstreams->line, "no upstreams: the upstreams list is empty; expected at least one upstream with "
                               "name, kind and base_url");
  }
  std::vector<int> lines;
  for (const auto& item : items) {
    Upstream u = detail::read_upstream(file, item, env);
    for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
      if (config.upstreams[i].name == u.name) {
        file.fail(item.line, "duplicate upstream name '" + u.name + "' (first defined at line " +
                                 std::to_string(lines[i]) + "); upstream names must be unique");
      }
    }
    config.upstreams.push_back(std::move(u));
    lines.push_back(item.line);
  }

  if (auto f = top.get("aliases")) {
    config.aliases = detail::read_aliases(file, *f);
  }
  if (auto f = top.get("routes")) {
    config.routes = detail::read_routes(file, *f, config.upstreams, config.aliases);
  } else {
    config.routes.push_back(detail::default_route(config.upstreams));
  }
  return config;
}

}  // namespace

Config load_string(const std::string& yaml, const std::string& name, const EnvLookup& env) {
  YamlFile file(name);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    file.fail(e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax error: " + e.msg);
  }
  try {
    return read_config(file, root, env);
  } catch (const YAML::Exception& e) {
    // Reading a well-formed document should not throw, but never let one escape unlabelled.
    file.fail(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
  }
}

Config load_file(const std::string& path, const EnvLookup& env) {
  std::string contents;
  if (auto error = detail::read_whole_file(path, contents)) {
    throw ConfigError(path, 0, "cannot read config file: " + *error);
  }
  return load_string(contents, path, env);
}

}  // namespace spillway::config
