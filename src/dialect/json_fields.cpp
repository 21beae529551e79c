#include "dialect/json_fields.hpp"

#include <random>

#include <boost/json/parse.hpp>

namespace spillway::dialect {

std::optional<std::int64_t> int64_of(double d) {
  // 2^63 is exact as a double; the range check also rejects NaN.
  constexpr double limit = 9223372036854775808.0;
  if (!(d >= -limit && d < limit)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<std::int64_t> int64_of(const boost::json::value& v) {
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64()) {
    const std::uint64_t u = v.get_uint64();
    return u <= static_cast<std::uint64_t>(INT64_MAX) ? std::optional<std::int64_t>(static_cast<std::int64_t>(u))
                                                      : std::nullopt;
  }
  if (v.is_double()) {
    return int64_of(v.get_double());
  }
  return std::nullopt;
}

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

std::string random_id(std::string_view prefix) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) {
    id += alphabet[pick(rng)];
  }
  return id;
}

}  // namespace spillway::dialect
