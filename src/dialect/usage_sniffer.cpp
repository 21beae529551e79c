#include "dialect/usage_sniffer.hpp"

#include <algorithm>

namespace spillway::dialect {

namespace {

// The integer after position `i` (spaces allowed before it); nullopt when there is none.
std::optional<std::int64_t> integer_at(std::string_view bytes, std::size_t i) {
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
  return digits > 0 ? std::optional(n) : std::nullopt;
}

}  // namespace

void UsageSniffer::feed(std::string_view bytes) {
  // Every usage member's name ends in `_tokens"`: one search for that, then the name before it.
  static constexpr std::string_view suffix = "_tokens\":";
  for (std::size_t at = bytes.find(suffix); at != std::string_view::npos; at = bytes.find(suffix, at + 1)) {
    const std::size_t open = bytes.rfind('"', at);
    if (open == std::string_view::npos) {
      continue;
    }
    const std::string_view name = bytes.substr(open + 1, at - open - 1);  // without "_tokens"
    const auto value = integer_at(bytes, at + suffix.size());
    if (!value) {
      continue;
    }
    std::int64_t* into = nullptr;
    if (dialect_ == Dialect::anthropic) {
      into = name == "input" ? &input_ : name == "output" ? &output_ : name == "cache_read_input" ? &cache_read_
             : name == "cache_creation_input"                           ? &cache_creation_
                                                                        : nullptr;
    } else if (dialect_ == Dialect::openai) {
      into = name == "prompt" ? &input_ : name == "completion" ? &output_ : name == "cached" ? &cache_read_ : nullptr;
    } else {
      // Responses: input_tokens (cache included), output_tokens, input_tokens_details.cached_tokens.
      into = name == "input" ? &input_ : name == "output" ? &output_ : name == "cached" ? &cache_read_ : nullptr;
    }
    if (into != nullptr) {
      *into = *value;
      seen_ = true;
    }
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
  // OpenAI's prompt_tokens (and the Responses input_tokens) include the cached ones.
  u.input_tokens = dialect_ != Dialect::anthropic ? std::max<std::int64_t>(0, input - u.cache_read_input_tokens) : input;
  return u;
}

}  // namespace spillway::dialect
