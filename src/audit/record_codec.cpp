#include "audit/record_codec.hpp"

#include <cstdint>
#include <cstring>

namespace spillway::audit {

namespace {

enum Flag : std::uint8_t {
  stream = 1,
  overflowed = 2,
  estimated = 4,
  has_cost = 8,
  has_request_body = 16,
  has_response_body = 32,
};

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_string(std::string& out, std::string_view s) {
  put(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

template <class T>
bool get(std::string_view& in, T& value) {
  if (in.size() < sizeof value) {
    return false;
  }
  std::memcpy(&value, in.data(), sizeof value);
  in.remove_prefix(sizeof value);
  return true;
}

bool get_string(std::string_view& in, std::string& s) {
  std::uint32_t n = 0;
  if (!get(in, n) || in.size() < n) {
    return false;
  }
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

}  // namespace

void append_record(std::string& out, const Record& r) {
  std::uint8_t flags = (r.stream ? stream : 0) | (r.overflowed ? overflowed : 0) |
                       (r.usage_estimated ? estimated : 0) | (r.cost_usd ? has_cost : 0) |
                       (r.request_body ? has_request_body : 0) | (r.response_body ? has_response_body : 0);
  put(out, flags);
  for (std::int64_t v : {r.start_ms, r.end_ms, r.ttft_ms, r.queued_ms, r.input_tokens, r.output_tokens,
                         r.cache_read_tokens, r.cache_write_tokens}) {
    put(out, v);
  }
  put(out, static_cast<std::int32_t>(r.attempts));
  put(out, static_cast<std::int32_t>(r.status));
  put(out, r.cost_usd.value_or(0.0));
  for (const std::string* s : {&r.key_name, &r.agent, &r.session, &r.dialect, &r.endpoint, &r.model, &r.route,
                               &r.upstream, &r.upstream_model, &r.refused_by}) {
    put_string(out, *s);
  }
  if (r.request_body) {
    put_string(out, *r.request_body);
  }
  if (r.response_body) {
    put_string(out, *r.response_body);
  }
}

bool read_record(std::string_view& in, Record& r) {
  std::string_view at = in;
  std::uint8_t flags = 0;
  if (!get(at, flags)) {
    return false;
  }
  for (std::int64_t* v : {&r.start_ms, &r.end_ms, &r.ttft_ms, &r.queued_ms, &r.input_tokens, &r.output_tokens,
                          &r.cache_read_tokens, &r.cache_write_tokens}) {
    if (!get(at, *v)) {
      return false;
    }
  }
  std::int32_t attempts = 0;
  std::int32_t status = 0;
  double cost = 0;
  if (!get(at, attempts) || !get(at, status) || !get(at, cost)) {
    return false;
  }
  for (std::string* s : {&r.key_name, &r.agent, &r.session, &r.dialect, &r.endpoint, &r.model, &r.route,
                         &r.upstream, &r.upstream_model, &r.refused_by}) {
    if (!get_string(at, *s)) {
      return false;
    }
  }
  auto optional_string = [&](bool present, std::optional<std::string>& s) {
    if (!present) {
      s.reset();
      return true;
    }
    if (!s) {
      s.emplace();
    }
    return get_string(at, *s);
  };
  if (!optional_string(flags & has_request_body, r.request_body) ||
      !optional_string(flags & has_response_body, r.response_body)) {
    return false;
  }
  r.attempts = attempts;
  r.status = status;
  r.stream = flags & stream;
  r.overflowed = flags & overflowed;
  r.usage_estimated = flags & estimated;
  r.cost_usd = (flags & has_cost) ? std::optional<double>(cost) : std::nullopt;
  in = at;
  return true;
}

}  // namespace spillway::audit
