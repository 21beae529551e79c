#include "dialect/usage_sniffer.hpp"

#include <algorithm>

namespace spillway::dialect {

namespace {

// Each occurrence of `"name":` followed by an integer updates `value` (the last one wins).
bool scan(std::string_view bytes, std::string_view name, std::int64_t& value) {
  bool found = false;
  for (std::size_t at = bytes.find(name); at != std::string_view::npos; at = bytes.find(name, at + 1)) {
    std::size_t i = at + name.size();
    while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t')) {
      ++i;
    }
    std::int64_t n = 0;
    std::size_t digits = 0;
    while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9' && digits < 15) {
      n = n * 10 + (bytes[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 0) {
      value = n;
      found = true;
    }
  }
  return found;
}

}  // namespace

void UsageSniffer::feed(std::string_view bytes) {
  if (bytes.find("_tokens\"") == std::string_view::npos) {
    return;  // most pieces of a stream carry no usage at all
  }
  if (dialect_ == Dialect::anthropic) {
    seen_ |= scan(bytes, "\"input_tokens\":", input_);
    seen_ |= scan(bytes, "\"output_tokens\":", output_);
    seen_ |= scan(bytes, "\"cache_read_input_tokens\":", cache_read_);
    seen_ |= scan(bytes, "\"cache_creation_input_tokens\":", cache_creation_);
  } else {
    seen_ |= scan(bytes, "\"prompt_tokens\":", input_);
    seen_ |= scan(bytes, "\"completion_tokens\":", output_);
    seen_ |= scan(bytes, "\"cached_tokens\":", cache_read_);
  }
}

std::optional<core::Usage> UsageSniffer::usage() const {
  if (!seen_) {
    return std::nullopt;
  }
  core::Usage u;
  u.cache_read_input_tokens = std::max<std::int64_t>(0, cache_read_);
  u.cache_creation_input_tokens = std::max<std::int64_t>(0, cache_creation_);
  u.output_tokens = std::max<std::int64_t>(0, output_);
  const std::int64_t input = std::max<std::int64_t>(0, input_);
  // OpenAI's prompt_tokens includes the cached ones.
  u.input_tokens = dialect_ == Dialect::openai ? std::max<std::int64_t>(0, input - u.cache_read_input_tokens) : input;
  return u;
}

}  // namespace spillway::dialect
