#pragma once
// GET /v1/models bodies in each dialect.
//   Anthropic: {"data":[{"type":"model","id":..,"display_name":..,"created_at":RFC3339}],
//               "has_more":false,"first_id":..,"last_id":..}
//   OpenAI:    {"object":"list","data":[{"id":..,"object":"model","created":0,"owned_by":..}]}
#include <string>
#include <vector>

#include "common/dialect.hpp"

namespace spillway::dialect {

struct ModelEntry {
  std::string id;
  std::string owned_by;  // the upstream name that serves it
};

std::string models_body(Dialect dialect, const std::vector<ModelEntry>& models);

// GET /v1/models/{id}: the one entry, shaped as in the list above.
std::string model_body(Dialect dialect, const ModelEntry& model);

}  // namespace spillway::dialect
