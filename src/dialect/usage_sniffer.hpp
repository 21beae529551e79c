#pragma once
// Token usage picked out of a same-dialect response as it is relayed, without parsing it: the
// bytes pass through untouched, and the rate limiter and (later) the audit need what the
// upstream reported. Looks for the usage members by name (`"output_tokens":` and the like); a
// name in quotes cannot occur inside a JSON string, where its quotes would be escaped. The last
// value seen wins: Anthropic's message_delta carries the cumulative totals. A member split
// across two pieces is missed (the estimate stands for it).
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/dialect.hpp"
#include "dialect/core.hpp"

namespace spillway::dialect {

class UsageSniffer {
 public:
  explicit UsageSniffer(Dialect dialect) : dialect_(dialect) {}

  void feed(std::string_view bytes);

  // Anthropic semantics (input excludes cache reads and writes); nullopt when no usage was seen.
  std::optional<core::Usage> usage() const;

 private:
  Dialect dialect_;
  bool seen_ = false;
  std::int64_t input_ = -1;   // input_tokens, or OpenAI's prompt_tokens (cache included)
  std::int64_t output_ = -1;  // output_tokens / completion_tokens
  std::int64_t cache_read_ = -1;
  std::int64_t cache_creation_ = -1;
};

}  // namespace spillway::dialect
