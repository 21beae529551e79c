#pragma once
// Cross-dialect exchanges: the client speaks one dialect, the route's upstream the other.
// The request body goes through dialect/'s core form; the response (whole, streamed or an
// error) is translated back before the client sees it. Internal to server/.
#include <string>
#include <variant>
#include <vector>

#include "dialect/core.hpp"
#include "dialect/request_info.hpp"
#include "server/worker.hpp"
#include "upstream/exchange.hpp"

namespace spillway::server {

struct TranslatedRequest {
  std::string body;           // in the upstream's dialect
  bool include_usage = false; // OpenAI client asked for a usage chunk
  bool thinking = false;      // Anthropic client asked for thinking blocks
  std::vector<std::string> custom_tools;  // Responses client: its free-form tools
  // Request features the upstream will not see, in the client's dialect (docs/translation.md).
  std::vector<std::string> dropped;
};

std::variant<TranslatedRequest, ApiError> translate_request(Dialect client, Dialect upstream, std::string_view body,
                                                             std::string_view upstream_model);

// Sets the headers a translated request needs and removes those only the client's dialect
// understands (anthropic-beta means nothing to an OpenAI-compatible server, which may reject it).
void adapt_headers(upstream::Request& request, Dialect client, Dialect upstream);

asio::awaitable<bool> relay_translated(Client& client, upstream::Exchange& x, Dialect client_dialect,
                                       const config::Upstream& u, const dialect::RequestInfo& info,
                                       const TranslatedRequest& translated, std::size_t max_whole_body,
                                       std::optional<dialect::core::Usage>& usage);

}  // namespace spillway::server
