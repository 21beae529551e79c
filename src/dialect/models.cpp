#include "dialect/models.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

// The gateway has no release date for a model; any fixed RFC 3339 instant satisfies SDKs that
// parse the field as a date.
constexpr const char* anthropic_created_at = "2025-01-01T00:00:00Z";

json::object entry_object(Dialect dialect, const ModelEntry& m) {
  json::object o;
  if (dialect == Dialect::anthropic) {
    o["type"] = "model";
    o["id"] = m.id;
    o["display_name"] = m.id;
    o["created_at"] = anthropic_created_at;
  } else {
    o["id"] = m.id;
    o["object"] = "model";
    o["created"] = 0;
    o["owned_by"] = m.owned_by;
  }
  return o;
}

}  // namespace

std::string models_body(Dialect dialect, const std::vector<ModelEntry>& models) {
  json::array data;
  data.reserve(models.size());
  for (const ModelEntry& m : models) {
    data.push_back(entry_object(dialect, m));
  }
  json::object body;
  if (dialect == Dialect::anthropic) {
    body["data"] = std::move(data);
    body["has_more"] = false;
    if (models.empty()) {
      body["first_id"] = nullptr;
      body["last_id"] = nullptr;
    } else {
      body["first_id"] = models.front().id;
      body["last_id"] = models.back().id;
    }
  } else {
    body["object"] = "list";
    body["data"] = std::move(data);
  }
  return json::serialize(body);
}

std::string model_body(Dialect dialect, const ModelEntry& model) {
  return json::serialize(entry_object(dialect, model));
}

}  // namespace spillway::dialect
