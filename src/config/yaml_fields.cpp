#include "config/yaml_fields.hpp"

#include <algorithm>
#include <charconv>

#include "config/byte_size.hpp"

namespace spillway::config::detail {

namespace {

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += ", ";
    }
    out += item;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The allowed key a typo most likely meant, if one is close enough to suggest.
std::optional<std::string_view> closest(std::string_view key, const std::vector<std::string_view>& allowed) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto& candidate : allowed) {
    std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace

void YamlFile::fail(int line, const std::string& message) const {
  throw ConfigError(name_, line, message);
}

int line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined()) {
    return fallback;
  }
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "nothing";
}

MapFields::MapFields(const YamlFile& file, const Field& map, std::vector<std::string_view> allowed)
    : file_(file), where_(map.where), line_(map.line), allowed_(std::move(allowed)) {
  if (!map.value.IsMap()) {
    file.fail(map.line, display() + ": expected a mapping with keys " + join(allowed_) + ", got " +
                            describe(map.value));
  }
  for (const auto& entry : map.value) {
    const YAML::Node& key_node = entry.first;
    int line = line_of(key_node, map.line);
    if (!key_node.IsScalar()) {
      file.fail(line, "in " + display() + ": a key must be a plain name, got " + describe(key_node));
    }
    const std::string& key = key_node.Scalar();
    if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
      std::string message = "unknown key '" + key + "' in " + display() + "; expected one of: " + join(allowed_);
      if (auto guess = closest(key, allowed_)) {
        message += " (did you mean '" + std::string(*guess) + "'?)";
      }
      file.fail(line, message);
    }
    for (const auto& [seen, field] : fields_) {
      if (seen == key) {
        file.fail(line, "duplicate key '" + key + "' in " + display() + " (first at line " + std::to_string(field.line) +
                            ")");
      }
    }
    std::string child = where_.empty() ? key : where_ + "." + key;
    fields_.emplace_back(key, Field{entry.second, std::move(child), line});
  }
}

std::string MapFields::display() const {
  return where_.empty() ? "the top level" : where_;
}

std::optional<Field> MapFields::get(std::string_view key) const {
  for (const auto& [name, field] : fields_) {
    if (name == key) {
      return field;
    }
  }
  return std::nullopt;
}

Field MapFields::require(std::string_view key) const {
  if (auto field = get(key)) {
    return *field;
  }
  file_.fail(line_, "missing required key '" + std::string(key) + "' in " + display());
}

std::vector<Field> sequence_items(const YamlFile& file, const Field& seq, std::string_view what) {
  if (!seq.value.IsSequence()) {
    file.fail(seq.line, seq.where + ": expected a list of " + std::string(what) + ", got " + describe(seq.value));
  }
  std::vector<Field> items;
  std::size_t index = 0;
  for (const auto& element : seq.value) {
    items.push_back(Field{element, seq.where + "[" + std::to_string(index) + "]", line_of(element, seq.line)});
    ++index;
  }
  return items;
}

std::string as_string(const YamlFile& file, const Field& field, std::string_view expected) {
  if (!field.value.IsScalar() || field.value.Scalar().empty()) {
    file.fail(field.line, field.where + ": " + std::string(expected) + ", got " + describe(field.value));
  }
  return field.value.Scalar();
}

std::uint64_t as_uint(const YamlFile& file, const Field& field, std::uint64_t min, std::uint64_t max) {
  std::string range = "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!field.value.IsScalar()) {
    file.fail(field.line, field.where + ": " + range + ", got " + describe(field.value));
  }
  const std::string& text = field.value.Scalar();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    file.fail(field.line, field.where + ": " + range + ", got " + describe(field.value));
  }
  return value;
}

bool as_bool(const YamlFile& file, const Field& field) {
  const std::string v = as_string(file, field, "expected true or false");
  if (v != "true" && v != "false") {
    file.fail(field.line, field.where + ": expected true or false, not '" + v + "'");
  }
  return v == "true";
}

std::uint64_t as_byte_size(const YamlFile& file, const Field& field) {
  std::string expected = "expected a size in bytes such as 65536, \"512KiB\" or \"32MiB\"";
  if (!field.value.IsScalar()) {
    file.fail(field.line, field.where + ": " + expected + ", got " + describe(field.value));
  }
  auto size = parse_byte_size(field.value.Scalar());
  if (!size || *size == 0) {
    file.fail(field.line, field.where + ": " + expected + ", got " + describe(field.value));
  }
  return *size;
}

}  // namespace spillway::config::detail
