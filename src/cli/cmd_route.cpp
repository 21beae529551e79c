// `spillway route explain --config FILE < request.json`: which routing rule a request matches,
// without sending anything (docs/routing.md).
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "dialect/request_info.hpp"
#include "route/explain.hpp"

namespace spillway::cli {

namespace {

struct ExplainOptions {
  std::string config;
  std::string path = "/v1/messages";
  std::vector<std::string> headers;
  std::string key;
  std::string agent;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "spillway route explain: " << message << std::endl;
  throw CLI::RuntimeError(2);
}

void explain(const ExplainOptions& o) {
  config::Config cfg;
  try {
    // The keys' secrets are not needed to decide a route: unset variables are no error here.
    cfg = o.config.empty() ? config::from_env() : config::load_file(o.config, config::env_with_placeholders());
  } catch (const std::exception& e) {
    fail(e.what());
  }
  Dialect dialect = Dialect::anthropic;
  if (o.path == "/v1/chat/completions" || o.path == "/chat/completions") {
    dialect = Dialect::openai;
  } else if (o.path == "/v1/responses" || o.path == "/responses") {
    dialect = Dialect::responses;
  } else if (o.path != "/v1/messages") {
    fail("--path must be /v1/messages, /v1/chat/completions or /v1/responses, not " + o.path);
  }
  std::map<std::string, std::string> headers;
  for (const auto& h : o.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      fail("--header wants 'name: value', not '" + h + "'");
    }
    std::string name = h.substr(0, colon);
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    headers[name] = h.substr(h.find_first_not_of(' ', colon + 1) == std::string::npos ? h.size()
                                                                                        : h.find_first_not_of(' ', colon + 1));
  }
  constexpr std::size_t max_body = 32u << 20;
  std::string body;
  char buf[65536];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    body.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (body.size() > max_body) {
      fail("the request on stdin is over 32 MiB");
    }
  }
  auto parsed = dialect::parse_request(dialect, body);
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    fail("the request on stdin: " + e->message);
  }
  const auto& info = std::get<dialect::RequestInfo>(parsed);
  route::RequestFacts facts;
  facts.model = info.model;
  facts.dialect = dialect;
  facts.header = [&headers](std::string_view name) -> std::optional<std::string_view> {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  };
  facts.key_name = o.key;
  const auto agent_header = headers.find("x-spillway-agent");
  facts.agent = !o.agent.empty() ? std::string_view(o.agent)
                : agent_header != headers.end() ? std::string_view(agent_header->second)
                                                : std::string_view(o.key);
  facts.input_tokens = info.input_token_estimate;
  facts.tools = info.has_tools;
  facts.thinking = info.wants_thinking;
  const auto ua = headers.find("user-agent");
  facts.claude_code = headers.count("x-claude-code-session-id") > 0 ||
                      (ua != headers.end() && ua->second.starts_with("claude-cli/"));
  route::Router router(cfg);
  bool matched = false;
  std::cout << route::explain_text(router, facts, matched);
  if (!matched) {
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_route_command(CLI::App& app) {
  auto* route = app.add_subcommand("route", "Routing tools");
  route->require_subcommand(1);
  auto* cmd = route->add_subcommand("explain", "Show which route a request (JSON on stdin) matches, and why");
  auto o = std::make_shared<ExplainOptions>();
  cmd->add_option("-c,--config", o->config, "YAML config file (default: the config built from the environment)");
  cmd->add_option("--path", o->path, "the endpoint it is sent to: /v1/messages (default) or /v1/chat/completions");
  cmd->add_option("--header", o->headers, "a request header, 'name: value' (repeatable)");
  cmd->add_option("--key", o->key, "the gateway key's name (as under auth: name)");
  cmd->add_option("--agent", o->agent, "the agent label (default: x-spillway-agent, else the key's name)");
  cmd->callback([o] { explain(*o); });
}

}  // namespace spillway::cli
