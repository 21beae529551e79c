#pragma once
// The parts of a YAML config, each read and validated on its own. Internal to the module.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_fields.hpp"

namespace spillway::config::detail {

Upstream read_upstream(const YamlFile& file, const Field& item, const EnvLookup& env);

// `upstreams` is already validated: targets are checked against it.
std::vector<Route> read_routes(const YamlFile& file, const Field& routes, const std::vector<Upstream>& upstreams,
                               const std::vector<ModelAlias>& aliases);
std::vector<ModelAlias> read_aliases(const YamlFile& file, const Field& aliases);

// The route used when the file has no `routes:` key: everything to the first upstream.
Route default_route(const std::vector<Upstream>& upstreams);

Auth read_auth(const YamlFile& file, const Field& auth);

// "20s", "1500ms", "2m" (a unit is required), at most `max`.
milliseconds read_duration(const YamlFile& file, const Field& field, milliseconds max);
Priority read_priority(const YamlFile& file, const Field& field);
Limits read_limits(const YamlFile& file, const Field& limits);
Audit read_audit(const YamlFile& file, const Field& audit);


}  // namespace spillway::config::detail
