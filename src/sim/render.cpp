#include "sim/render.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "sim/json_text.hpp"

namespace spillway::sim {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

void split_words(std::string_view text, std::vector<std::string_view>& out) {
  std::size_t i = 0;
  std::size_t start = 0;
  while (i < text.size() && is_space(text[i])) {
    ++i;  // leading whitespace rides with the first word
  }
  while (i < text.size()) {
    while (i < text.size() && !is_space(text[i])) {
      ++i;
    }
    while (i < text.size() && is_space(text[i])) {
      ++i;
    }
    out.push_back(text.substr(start, i - start));
    start = i;
  }
}

void split_fragments(std::string_view args, std::vector<std::string_view>& out) {
  const std::size_t n = std::max<std::size_t>(3, (args.size() + 15) / 16);
  const std::size_t base = args.size() / n;
  std::size_t extra = args.size() % n;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t len = base + (extra > 0 ? 1 : 0);
    if (extra > 0) {
      --extra;
    }
    out.push_back(args.substr(pos, len));
    pos += len;
  }
}

std::int64_t output_count(const ReplyTokens& tokens) {
  return static_cast<std::int64_t>(tokens.pieces.size());
}

void anthropic_usage(std::string& out, const ReplyContext& ctx, std::int64_t output) {
  out.append("{\"input_tokens\":");
  append_int(out, ctx.input_tokens);
  out.append(",\"cache_creation_input_tokens\":");
  append_int(out, ctx.cache_write_tokens);
  out.append(",\"cache_read_input_tokens\":");
  append_int(out, ctx.cache_read_tokens);
  out.append(",\"output_tokens\":");
  append_int(out, output);
  out.append(",\"service_tier\":\"standard\"}");
}

// OpenAI counts cached tokens inside prompt_tokens, and has no cache writes.
void openai_usage(std::string& out, const ReplyContext& ctx, std::int64_t output) {
  const std::int64_t prompt = ctx.input_tokens + ctx.cache_read_tokens;
  out.append("{\"prompt_tokens\":");
  append_int(out, prompt);
  out.append(",\"completion_tokens\":");
  append_int(out, output);
  out.append(",\"total_tokens\":");
  append_int(out, prompt + output);
  out.append(",\"prompt_tokens_details\":{\"cached_tokens\":");
  append_int(out, ctx.cache_read_tokens);
  out.append("},\"completion_tokens_details\":{\"reasoning_tokens\":0}}");
}

std::string_view anthropic_stop(const ReplyPlan& plan, const ReplyTokens& tokens) {
  if (plan.kind == ReplyPlan::Kind::tool) {
    return "tool_use";
  }
  return tokens.truncated ? "max_tokens" : "end_turn";
}

std::string_view openai_finish(const ReplyPlan& plan, const ReplyTokens& tokens) {
  if (plan.kind == ReplyPlan::Kind::tool) {
    return "tool_calls";
  }
  return tokens.truncated ? "length" : "stop";
}

void joined_text(std::string& out, const ReplyTokens& tokens) {
  std::string text;
  for (auto piece : tokens.pieces) {
    text.append(piece);
  }
  append_json_string(out, text);
}

void sse(std::string& out, std::string_view event, std::string_view data) {
  out.append("event: ");
  out.append(event);
  out.append("\ndata: ");
  out.append(data);
  out.append("\n\n");
}

// An Anthropic frame whose data is built in place: "event: NAME\ndata: " ... "\n\n".
void open_event(std::string& out, std::string_view event) {
  out.append("event: ");
  out.append(event);
  out.append("\ndata: ");
}

void close_frame(std::string& out) { out.append("\n\n"); }

void openai_chunk_open(std::string& out, const ReplyContext& ctx) {
  out.append("data: {\"id\":");
  append_json_string(out, ctx.id);
  out.append(",\"object\":\"chat.completion.chunk\",\"created\":");
  append_int(out, ctx.created);
  out.append(",\"model\":");
  append_json_string(out, ctx.model);
  out.append(",\"system_fingerprint\":\"fp_spillway_mock\",\"choices\":[");
}

void openai_chunk_close(std::string& out, const ReplyContext& ctx) {
  out.append(ctx.include_usage ? "],\"usage\":null}\n\n" : "]}\n\n");
}

void render_anthropic_stream(std::string& out, std::vector<std::size_t>& ends,
                             const ReplyContext& ctx, const ReplyPlan& plan,
                             const ReplyTokens& tokens) {
  const bool tool = plan.kind == ReplyPlan::Kind::tool;
  open_event(out, "message_start");
  out.append("{\"type\":\"message_start\",\"message\":{\"id\":");
  append_json_string(out, ctx.id);
  out.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
  append_json_string(out, ctx.model);
  out.append(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":");
  anthropic_usage(out, ctx, 1);
  out.append("}}");
  close_frame(out);
  open_event(out, "content_block_start");
  if (tool) {
    out.append(
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
        "\"id\":");
    append_json_string(out, ctx.tool_id);
    out.append(",\"name\":");
    append_json_string(out, plan.tool_name);
    out.append(",\"input\":{}}}");
  } else {
    out.append(
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
        "\"text\":\"\"}}");
  }
  close_frame(out);
  sse(out, "ping", "{\"type\": \"ping\"}");
  for (auto piece : tokens.pieces) {
    open_event(out, "content_block_delta");
    if (tool) {
      out.append(
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
          "\"partial_json\":");
    } else {
      out.append(
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
          "\"text\":");
    }
    append_json_string(out, piece);
    out.append("}}");
    close_frame(out);
    ends.push_back(out.size());
  }
  sse(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
  open_event(out, "message_delta");
  out.append("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"");
  out.append(anthropic_stop(plan, tokens));
  out.append("\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":");
  append_int(out, output_count(tokens));
  out.append("}}");
  close_frame(out);
  sse(out, "message_stop", "{\"type\":\"message_stop\"}");
}

void render_openai_stream(std::string& out, std::vector<std::size_t>& ends,
                          const ReplyContext& ctx, const ReplyPlan& plan,
                          const ReplyTokens& tokens) {
  const bool tool = plan.kind == ReplyPlan::Kind::tool;
  openai_chunk_open(out, ctx);
  out.append(tool ? "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},"
                    "\"logprobs\":null,\"finish_reason\":null}"
                  : "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                    "\"logprobs\":null,\"finish_reason\":null}");
  openai_chunk_close(out, ctx);
  if (tool) {
    openai_chunk_open(out, ctx);
    out.append("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":");
    append_json_string(out, ctx.tool_id);
    out.append(",\"type\":\"function\",\"function\":{\"name\":");
    append_json_string(out, plan.tool_name);
    out.append(",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}");
    openai_chunk_close(out, ctx);
  }
  for (auto piece : tokens.pieces) {
    openai_chunk_open(out, ctx);
    if (tool) {
      out.append("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":");
      append_json_string(out, piece);
      out.append("}}]},\"logprobs\":null,\"finish_reason\":null}");
    } else {
      out.append("{\"index\":0,\"delta\":{\"content\":");
      append_json_string(out, piece);
      out.append("},\"logprobs\":null,\"finish_reason\":null}");
    }
    openai_chunk_close(out, ctx);
    ends.push_back(out.size());
  }
  openai_chunk_open(out, ctx);
  out.append("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"");
  out.append(openai_finish(plan, tokens));
  out.append("\"}");
  openai_chunk_close(out, ctx);
  if (ctx.include_usage) {
    openai_chunk_open(out, ctx);
    out.append("],\"usage\":");
    openai_usage(out, ctx, output_count(tokens));
    out.append("}\n\n");
  }
  out.append("data: [DONE]\n\n");
}

// ---- OpenAI Responses (POST /v1/responses), as OpenAI sends it ------------------------------
// Shapes are built as JSON values here: this endpoint serves tests of Codex, not benchmarks.

namespace json = boost::json;

json::object responses_usage(const ReplyContext& ctx, std::int64_t output) {
  const std::int64_t input = ctx.input_tokens + ctx.cache_read_tokens;  // cached ones included
  return {{"input_tokens", input},
          {"input_tokens_details", {{"cached_tokens", ctx.cache_read_tokens}}},
          {"output_tokens", output},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", input + output}};
}

std::string joined(const ReplyTokens& tokens) {
  std::string text;
  for (auto piece : tokens.pieces) {
    text.append(piece);
  }
  return text;
}

// The one output item: a message, or a function call. `whole` fills in its content.
json::object responses_item(const ReplyContext& ctx, const ReplyPlan& plan, const ReplyTokens& tokens, bool whole) {
  const std::string_view status = whole ? "completed" : "in_progress";
  if (plan.kind == ReplyPlan::Kind::tool) {
    return {{"id", "fc_" + std::string(ctx.id)}, {"type", "function_call"},     {"status", status},
            {"call_id", ctx.tool_id},           {"name", plan.tool_name},     {"arguments", whole ? plan.tool_input : ""}};
  }
  json::array content;
  if (whole) {
    content.push_back({{"type", "output_text"}, {"text", joined(tokens)}, {"annotations", json::array{}}});
  }
  return {{"id", "msg_" + std::string(ctx.id)}, {"type", "message"}, {"status", status}, {"role", "assistant"},
          {"content", std::move(content)}};
}

json::object responses_object(const ReplyContext& ctx, const ReplyPlan& plan, const ReplyTokens& tokens,
                              std::string_view status) {
  json::array output;
  json::value usage = nullptr;
  json::value incomplete = nullptr;
  if (status != "in_progress") {
    output.push_back(responses_item(ctx, plan, tokens, true));
    usage = responses_usage(ctx, output_count(tokens));
    if (tokens.truncated) {
      incomplete = json::object{{"reason", "max_output_tokens"}};
    }
  }
  return {{"id", "resp_" + std::string(ctx.id)}, {"object", "response"}, {"created_at", ctx.created},
          {"status", status}, {"error", nullptr}, {"incomplete_details", std::move(incomplete)},
          {"model", ctx.model}, {"output", std::move(output)}, {"usage", std::move(usage)}};
}

void render_responses_stream(std::string& out, std::vector<std::size_t>& ends, const ReplyContext& ctx,
                             const ReplyPlan& plan, const ReplyTokens& tokens) {
  const bool tool = plan.kind == ReplyPlan::Kind::tool;
  std::int64_t sequence = 0;
  auto event = [&](std::string_view type, json::object fields) {
    json::object data{{"type", type}};
    for (auto& kv : fields) {
      data.emplace(kv.key(), std::move(kv.value()));
    }
    data["sequence_number"] = sequence++;
    sse(out, type, json::serialize(data));
  };
  const std::string item_id = (tool ? "fc_" : "msg_") + std::string(ctx.id);
  event("response.created", {{"response", responses_object(ctx, plan, tokens, "in_progress")}});
  event("response.in_progress", {{"response", responses_object(ctx, plan, tokens, "in_progress")}});
  event("response.output_item.added", {{"output_index", 0}, {"item", responses_item(ctx, plan, tokens, false)}});
  if (!tool) {
    event("response.content_part.added",
          {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0},
           {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", json::array{}}}}});
  }
  for (auto piece : tokens.pieces) {
    if (tool) {
      event("response.function_call_arguments.delta", {{"item_id", item_id}, {"output_index", 0}, {"delta", piece}});
    } else {
      event("response.output_text.delta",
            {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0}, {"delta", piece}});
    }
    ends.push_back(out.size());
  }
  if (tool) {
    event("response.function_call_arguments.done",
          {{"item_id", item_id}, {"output_index", 0}, {"arguments", plan.tool_input}});
  } else {
    const auto text = joined(tokens);
    event("response.output_text.done", {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0}, {"text", text}});
    event("response.content_part.done",
          {{"item_id", item_id}, {"output_index", 0}, {"content_index", 0},
           {"part", {{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}}}});
  }
  event("response.output_item.done", {{"output_index", 0}, {"item", responses_item(ctx, plan, tokens, true)}});
  const std::string_view status = tokens.truncated ? "incomplete" : "completed";
  event(tokens.truncated ? "response.incomplete" : "response.completed",
        {{"response", responses_object(ctx, plan, tokens, status)}});
}

}  // namespace

ReplyTokens tokenize(const ReplyPlan& plan, std::int64_t max_tokens) {
  ReplyTokens t;
  if (plan.kind == ReplyPlan::Kind::tool) {
    split_fragments(plan.tool_input, t.pieces);
    return t;
  }
  split_words(plan.text, t.pieces);
  if (max_tokens > 0 && static_cast<std::int64_t>(t.pieces.size()) > max_tokens) {
    t.pieces.resize(static_cast<std::size_t>(max_tokens));
    t.truncated = true;
  }
  return t;
}

void render_json(std::string& out, const ReplyContext& ctx, const ReplyPlan& plan,
                 const ReplyTokens& tokens) {
  const bool tool = plan.kind == ReplyPlan::Kind::tool;
  if (ctx.dialect == Dialect::responses) {
    out.append(json::serialize(responses_object(ctx, plan, tokens, tokens.truncated ? "incomplete" : "completed")));
    return;
  }
  if (ctx.dialect == Dialect::anthropic) {
    out.append("{\"id\":");
    append_json_string(out, ctx.id);
    out.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    append_json_string(out, ctx.model);
    if (tool) {
      out.append(",\"content\":[{\"type\":\"tool_use\",\"id\":");
      append_json_string(out, ctx.tool_id);
      out.append(",\"name\":");
      append_json_string(out, plan.tool_name);
      out.append(",\"input\":");
      out.append(plan.tool_input);
      out.append("}]");
    } else {
      out.append(",\"content\":[{\"type\":\"text\",\"text\":");
      joined_text(out, tokens);
      out.append("}]");
    }
    out.append(",\"stop_reason\":\"");
    out.append(anthropic_stop(plan, tokens));
    out.append("\",\"stop_sequence\":null,\"usage\":");
    anthropic_usage(out, ctx, output_count(tokens));
    out.append("}");
    return;
  }
  out.append("{\"id\":");
  append_json_string(out, ctx.id);
  out.append(",\"object\":\"chat.completion\",\"created\":");
  append_int(out, ctx.created);
  out.append(",\"model\":");
  append_json_string(out, ctx.model);
  out.append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
  if (tool) {
    out.append("null,\"refusal\":null,\"tool_calls\":[{\"id\":");
    append_json_string(out, ctx.tool_id);
    out.append(",\"type\":\"function\",\"function\":{\"name\":");
    append_json_string(out, plan.tool_name);
    out.append(",\"arguments\":");
    append_json_string(out, plan.tool_input);
    out.append("}}]");
  } else {
    joined_text(out, tokens);
    out.append(",\"refusal\":null");
  }
  out.append("},\"logprobs\":null,\"finish_reason\":\"");
  out.append(openai_finish(plan, tokens));
  out.append("\"}],\"usage\":");
  openai_usage(out, ctx, output_count(tokens));
  out.append(",\"system_fingerprint\":\"fp_spillway_mock\",\"service_tier\":\"default\"}");
}

void render_stream(std::string& out, std::vector<std::size_t>& token_ends, const ReplyContext& ctx,
                   const ReplyPlan& plan, const ReplyTokens& tokens) {
  token_ends.clear();
  if (ctx.dialect == Dialect::anthropic) {
    render_anthropic_stream(out, token_ends, ctx, plan, tokens);
  } else if (ctx.dialect == Dialect::responses) {
    render_responses_stream(out, token_ends, ctx, plan, tokens);
  } else {
    render_openai_stream(out, token_ends, ctx, plan, tokens);
  }
  // The closing frames travel with the last token.
  if (token_ends.empty()) {
    token_ends.push_back(out.size());
  } else {
    token_ends.back() = out.size();
  }
}

void render_error(std::string& out, Dialect dialect, int status, std::string_view message,
                  std::string_view request_id, std::string_view openai_type) {
  if (dialect == Dialect::anthropic) {
    std::string_view type = "api_error";
    switch (status) {
      case 400: type = "invalid_request_error"; break;
      case 401: type = "authentication_error"; break;
      case 402: type = "billing_error"; break;
      case 403: type = "permission_error"; break;
      case 404: type = "not_found_error"; break;
      case 413: type = "request_too_large"; break;
      case 429: type = "rate_limit_error"; break;
      case 503:
      case 529: type = "overloaded_error"; break;
      case 504: type = "timeout_error"; break;
      default: type = status < 500 ? "invalid_request_error" : "api_error";
    }
    out.append("{\"type\":\"error\",\"error\":{\"type\":\"");
    out.append(type);
    out.append("\",\"message\":");
    append_json_string(out, message);
    out.append("},\"request_id\":");
    append_json_string(out, request_id);
    out.append("}");
    return;
  }
  std::string_view type = "invalid_request_error";
  std::string_view code;
  switch (status) {
    case 401: code = "invalid_api_key"; break;
    case 404: code = "unknown_url"; break;
    case 429: type = "requests"; code = "rate_limit_exceeded"; break;
    default:
      if (status >= 500) {
        type = "server_error";
        code = status == 503 || status == 529 ? "server_overloaded" : "server_error";
      }
  }
  if (!openai_type.empty()) {
    type = openai_type;
  }
  out.append("{\"error\":{\"message\":");
  append_json_string(out, message);
  out.append(",\"type\":\"");
  out.append(type);
  out.append("\",\"param\":null,\"code\":");
  if (code.empty()) {
    out.append("null");
  } else {
    append_json_string(out, code);
  }
  out.append("}}");
}

void render_models(std::string& out, Dialect dialect) {
  if (dialect == Dialect::anthropic) {
    out.append(
        "{\"data\":[{\"type\":\"model\",\"id\":\"mock-claude-sonnet\",\"display_name\":\"Mock "
        "Claude Sonnet\",\"created_at\":\"2025-01-01T00:00:00Z\"},{\"type\":\"model\",\"id\":"
        "\"mock-claude-haiku\",\"display_name\":\"Mock Claude Haiku\",\"created_at\":"
        "\"2025-01-01T00:00:00Z\"}],\"has_more\":false,\"first_id\":\"mock-claude-sonnet\","
        "\"last_id\":\"mock-claude-haiku\"}");
    return;
  }
  out.append(
      "{\"object\":\"list\",\"data\":[{\"id\":\"mock-gpt\",\"object\":\"model\",\"created\":"
      "1735689600,\"owned_by\":\"spillway-mock\"},{\"id\":\"mock-gpt-mini\",\"object\":\"model\","
      "\"created\":1735689600,\"owned_by\":\"spillway-mock\"}]}");
}

void render_count_tokens(std::string& out, std::int64_t input_tokens) {
  out.append("{\"input_tokens\":");
  append_int(out, input_tokens);
  out.append("}");
}

}  // namespace spillway::sim
