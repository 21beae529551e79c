#include "dialect/json_fields.hpp"

#include <boost/json/parse.hpp>

namespace spillway::dialect {

std::string str_of(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) {
    return std::string(v->get_string());
  }
  return {};
}

boost::json::value parse_arguments(const boost::json::value* args) {
  if (args && args->is_string()) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(args->get_string(), ec);
    if (!ec && v.is_object()) {
      return v;
    }
  } else if (args && args->is_object()) {
    return *args;
  }
  return boost::json::object();
}

}  // namespace spillway::dialect
