#pragma once
// Small typed readers over yaml-cpp nodes that turn every problem into a ConfigError pointing
// at the line it comes from. Internal to the config module.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace spillway::config::detail {

// One value in the file, with the name and line to report it by.
struct Field {
  YAML::Node value;
  std::string where;  // "upstreams[0].base_url"
  int line = 0;       // 1-based; the key's line for a mapping entry (a null value has no
                      // useful mark of its own), the element's line for a sequence element
};

class YamlFile {
 public:
  explicit YamlFile(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  [[noreturn]] void fail(int line, const std::string& message) const;

 private:
  std::string name_;
};

// 1-based line of `node`, or `fallback` when yaml-cpp has no mark for it.
int line_of(const YAML::Node& node, int fallback);

// "a mapping", "a sequence", "a string", "nothing".
std::string describe(const YAML::Node& node);

// A mapping whose keys are checked against `allowed`: an unknown or repeated key is an error.
class MapFields {
 public:
  MapFields(const YamlFile& file, const Field& map, std::vector<std::string_view> allowed);

  std::optional<Field> get(std::string_view key) const;
  Field require(std::string_view key) const;
  const std::string& where() const { return where_; }
  int line() const { return line_; }
  std::string display() const;  // where(), or "the top level" for the document itself

 private:
  const YamlFile& file_;
  std::string where_;
  int line_;
  std::vector<std::string_view> allowed_;
  std::vector<std::pair<std::string, Field>> fields_;
};

// The elements of a sequence, each named where[i].
std::vector<Field> sequence_items(const YamlFile& file, const Field& seq, std::string_view what);

// A non-empty scalar. `expected` finishes the message: "expected a URL such as ...".
std::string as_string(const YamlFile& file, const Field& field, std::string_view expected);
std::uint64_t as_uint(const YamlFile& file, const Field& field, std::uint64_t min, std::uint64_t max);
std::uint64_t as_byte_size(const YamlFile& file, const Field& field);
// `true` or `false`; anything else is "WHERE: expected true or false, not 'X'".
bool as_bool(const YamlFile& file, const Field& field);

}  // namespace spillway::config::detail
