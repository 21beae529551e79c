#include "dialect/translate_request.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

#include "dialect/json_fields.hpp"
#include "dialect/request_parts.hpp"

namespace spillway::dialect {
namespace {

using namespace parts;

namespace json = boost::json;
using core::Block;
using core::BlockType;
using core::Message;
using core::Role;

// Placeholder for a history that starts with an assistant turn: Anthropic requires a user
// turn first and rejects empty text.
constexpr std::string_view leading_user_placeholder = "(continued)";
constexpr std::int64_t default_max_tokens = 4096;

// Text of a system value / OpenAI text content: a string or an array of text parts.
std::variant<std::vector<std::string>, ApiError> text_parts(const json::value& v, std::string_view what,
                                                            Dropped& dropped) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
    return out;
  }
  if (v.is_null()) {
    return out;
  }
  if (!v.is_array()) {
    return bad(std::string(what) + " must be a string or an array of text blocks");
  }
  for (const auto& part : v.get_array()) {
    if (!part.is_object() || str_of(part.get_object(), "type") != "text") {
      return bad(std::string(what) + " may contain only text blocks");
    }
    note_unknown(part.get_object(), {"type", "text"}, "", dropped);
    out.push_back(str_of(part.get_object(), "text"));
  }
  return out;
}

// ---- Anthropic -> core -------------------------------------------------------------------

std::variant<Block, ApiError> anthropic_image(const json::object& b) {
  auto* src = b.if_contains("source");
  if (!src || !src->is_object()) {
    return bad("image block needs a source");
  }
  const auto& s = src->get_object();
  Block out;
  out.type = BlockType::image;
  std::string type = str_of(s, "type");
  if (type == "base64") {
    out.media_type = str_of(s, "media_type");
    out.data = str_of(s, "data");
  } else if (type == "url") {
    out.url = str_of(s, "url");
  } else {
    return bad("image source type '" + type + "' cannot be translated");
  }
  return out;
}

// A message's content in either dialect: a string is one text block (none when empty), null
// none, an array hands each of its objects to `part`, which appends blocks or refuses.
template <class Part>
std::variant<std::vector<Block>, ApiError> content_parts(const json::value& content, std::string_view what,
                                                        Part part) {
  std::vector<Block> out;
  if (content.is_string()) {
    if (!content.get_string().empty()) {
      out.push_back(text_block(std::string(content.get_string())));
    }
    return out;
  }
  if (content.is_null()) {
    return out;
  }
  if (!content.is_array()) {
    return bad("message content must be a string or an array of " + std::string(what));
  }
  for (const auto& item : content.get_array()) {
    if (!item.is_object()) {
      return bad("content " + std::string(what) + " must be objects");
    }
    if (auto error = part(item.get_object(), out)) {
      return std::move(*error);
    }
  }
  return out;
}

// Blocks of an Anthropic content value; empty text is skipped (3.8 #3), blocks with no
// counterpart (redacted_thinking, server-tool plumbing, unknown types) are dropped and noted,
// untranslatable ones refused.
std::variant<std::vector<Block>, ApiError> anthropic_blocks(const json::value& content, bool inside_tool_result,
                                                            Dropped& dropped) {
  using Out = std::vector<Block>;
  return content_parts(content, "blocks", [&](const json::object& b, Out& out) -> std::optional<ApiError> {
    std::string type = str_of(b, "type");
    // Fields beyond the ones carried: cache_control, citations, a document's title...
    if (type == "text" || type == "image" || type == "document" || type == "tool_use" || type == "tool_result" ||
        type == "thinking") {
      note_unknown(b, {"type", "text", "source", "id", "name", "input", "tool_use_id", "is_error", "content", "thinking",
                       "signature"},
                   type + ".", dropped);
    }
    if (type == "text") {
      std::string text = str_of(b, "text");
      if (!text.empty()) {
        out.push_back(text_block(std::move(text)));
      }
    } else if (type == "image") {
      auto img = anthropic_image(b);
      if (auto* e = std::get_if<ApiError>(&img)) {
        return std::move(*e);
      }
      out.push_back(std::move(std::get<Block>(img)));
    } else if (type == "document") {
      // Plain-text documents read the same as text; PDFs and files have no portable form.
      auto* src = b.if_contains("source");
      if (src && src->is_object() && str_of(src->get_object(), "type") == "text") {
        out.push_back(text_block(str_of(src->get_object(), "data")));
      } else {
        return bad("document blocks other than plain text cannot be translated");
      }
    } else if (inside_tool_result) {
      // Tool results hold text/image/document; anything else has no text-only form.
      note(dropped, (type.empty() ? "untyped" : type) + " blocks");
      return std::nullopt;
    } else if (type == "tool_use") {
      Block t;
      t.type = BlockType::tool_use;
      t.id = str_of(b, "id");
      t.name = str_of(b, "name");
      auto* input = b.if_contains("input");
      t.input = (input && input->is_object()) ? *input : json::value(json::object());
      out.push_back(std::move(t));
    } else if (type == "tool_result") {
      Block r;
      r.type = BlockType::tool_result;
      r.tool_use_id = str_of(b, "tool_use_id");
      if (auto* e = b.if_contains("is_error"); e && e->is_bool()) {
        r.is_error = e->get_bool();
      }
      if (auto* c = b.if_contains("content")) {
        auto parts = anthropic_blocks(*c, true, dropped);
        if (auto* err = std::get_if<ApiError>(&parts)) {
          return std::move(*err);
        }
        r.content = std::move(std::get<std::vector<Block>>(parts));
      }
      out.push_back(std::move(r));
    } else if (type == "thinking") {
      Block t;
      t.type = BlockType::thinking;
      t.text = str_of(b, "thinking");
      t.signature = str_of(b, "signature");
      out.push_back(std::move(t));
    } else {
      note(dropped, (type.empty() ? "untyped" : type) + " blocks");
    }
    return std::nullopt;
  });
}

std::optional<ApiError> anthropic_tools(const json::object& body, core::Request& req) {
  if (auto* tools = body.if_contains("tools")) {
    if (!tools->is_array()) {
      return bad("tools must be an array");
    }
    for (const auto& item : tools->get_array()) {
      if (!item.is_object()) {
        return bad("tools entries must be objects");
      }
      const auto& t = item.get_object();
      std::string type = str_of(t, "type");
      // Server tools (web_search_..., bash_...) run inside Anthropic; silently dropping them
      // would change what the model can do, so refuse (3.8 #13).
      if (!type.empty() && type != "custom") {
        return bad("server tool '" + type + "' cannot run on an OpenAI-compatible upstream");
      }
      note_unknown(t, {"type", "name", "description", "input_schema", "strict"}, "tools.", req.dropped);
      core::Tool tool;
      tool.name = str_of(t, "name");
      tool.description = str_of(t, "description");
      auto* schema = t.if_contains("input_schema");
      tool.input_schema = schema ? *schema : json::value(json::object{{"type", "object"}});
      if (auto* s = t.if_contains("strict"); s && s->is_bool()) {
        tool.strict = s->get_bool();
      }
      req.tools.push_back(std::move(tool));
    }
  }
  if (auto* tc = body.if_contains("tool_choice"); tc && tc->is_object()) {
    const auto& o = tc->get_object();
    std::string type = str_of(o, "type");
    core::ToolChoice choice;
    if (type == "auto") {
      choice.type = core::ToolChoiceType::auto_;
    } else if (type == "any") {
      choice.type = core::ToolChoiceType::any;
    } else if (type == "none") {
      choice.type = core::ToolChoiceType::none;
    } else if (type == "tool") {
      choice.type = core::ToolChoiceType::named;
      choice.name = str_of(o, "name");
    } else {
      return bad("unknown tool_choice type '" + type + "'");
    }
    if (auto* d = o.if_contains("disable_parallel_tool_use"); d && d->is_bool()) {
      req.disable_parallel_tool_use = d->get_bool();
    }
    req.tool_choice = choice;
  }
  return std::nullopt;
}

// ---- OpenAI -> core ----------------------------------------------------------------------

std::variant<Block, ApiError> openai_image(const json::object& part, Dropped& dropped) {
  auto* iu = part.if_contains("image_url");
  std::string url;
  if (iu && iu->is_object()) {
    url = str_of(iu->get_object(), "url");
    if (std::string detail = str_of(iu->get_object(), "detail"); !detail.empty() && detail != "auto") {
      note(dropped, "image_url.detail");  // Anthropic picks the resolution itself
    }
  } else if (iu && iu->is_string()) {
    url = std::string(iu->get_string());
  }
  if (url.empty()) {
    return bad("image_url part needs a url");
  }
  Block b;
  b.type = BlockType::image;
  constexpr std::string_view data_prefix = "data:";
  constexpr std::string_view b64_marker = ";base64,";
  if (url.starts_with(data_prefix)) {
    auto marker = url.find(b64_marker);
    if (marker == std::string::npos) {
      return bad("image data URLs must be base64");
    }
    b.media_type = url.substr(data_prefix.size(), marker - data_prefix.size());
    b.data = url.substr(marker + b64_marker.size());
  } else {
    b.url = std::move(url);
  }
  return b;
}

std::variant<std::vector<Block>, ApiError> openai_user_content(const json::value& content, Dropped& dropped) {
  using Out = std::vector<Block>;
  return content_parts(content, "parts", [&](const json::object& p, Out& out) -> std::optional<ApiError> {
    std::string type = str_of(p, "type");
    if (type == "text") {
      std::string text = str_of(p, "text");
      if (!text.empty()) {
        out.push_back(text_block(std::move(text)));
      }
    } else if (type == "image_url") {
      auto img = openai_image(p, dropped);
      if (auto* e = std::get_if<ApiError>(&img)) {
        return std::move(*e);
      }
      out.push_back(std::move(std::get<Block>(img)));
    } else {
      return bad("content part type '" + type + "' cannot be translated");
    }
    return std::nullopt;
  });
}

std::optional<ApiError> openai_message(const json::object& m, core::Request& req) {
  std::string role = str_of(m, "role");
  const json::value* content = m.if_contains("content");
  json::value null_content;
  const json::value& c = content ? *content : null_content;
  // name, refusal, reasoning_content (prior reasoning has no unsigned Anthropic form, 3.8 #9)...
  note_unknown(m, {"role", "content", "tool_calls", "tool_call_id"}, "messages.", req.dropped);
  if (role == "system" || role == "developer") {
    auto parts = text_parts(c, "system content", req.dropped);
    if (auto* e = std::get_if<ApiError>(&parts)) {
      return std::move(*e);
    }
    for (auto& s : std::get<std::vector<std::string>>(parts)) {
      req.system.push_back(std::move(s));
    }
    return std::nullopt;
  }
  if (role == "user") {
    auto blocks = openai_user_content(c, req.dropped);
    if (auto* e = std::get_if<ApiError>(&blocks)) {
      return std::move(*e);
    }
    req.messages.push_back(Message{Role::user, std::move(std::get<std::vector<Block>>(blocks))});
    return std::nullopt;
  }
  if (role == "assistant") {
    Message msg{Role::assistant, {}};
    auto parts = text_parts(c, "assistant content", req.dropped);
    if (auto* e = std::get_if<ApiError>(&parts)) {
      return std::move(*e);
    }
    std::string text;
    for (auto& s : std::get<std::vector<std::string>>(parts)) {
      text += s;
    }
    if (!text.empty()) {
      msg.content.push_back(text_block(std::move(text)));
    }
    if (auto* calls = m.if_contains("tool_calls"); calls && calls->is_array()) {
      for (const auto& call : calls->get_array()) {
        if (!call.is_object()) {
          return bad("tool_calls entries must be objects");
        }
        const auto& co = call.get_object();
        Block t;
        t.type = BlockType::tool_use;
        t.id = str_of(co, "id");
        if (auto* fn = co.if_contains("function"); fn && fn->is_object()) {
          t.name = str_of(fn->get_object(), "name");
          t.input = parse_arguments(fn->get_object().if_contains("arguments"));
        } else {
          t.input = json::object();
        }
        msg.content.push_back(std::move(t));
      }
    }
    req.messages.push_back(std::move(msg));
    return std::nullopt;
  }
  if (role == "tool") {
    auto parts = text_parts(c, "tool content", req.dropped);
    if (auto* e = std::get_if<ApiError>(&parts)) {
      return std::move(*e);
    }
    Block r;
    r.type = BlockType::tool_result;
    r.tool_use_id = str_of(m, "tool_call_id");
    for (auto& s : std::get<std::vector<std::string>>(parts)) {
      if (!s.empty()) {
        r.content.push_back(text_block(std::move(s)));
      }
    }
    req.messages.push_back(Message{Role::user, {std::move(r)}});
    return std::nullopt;
  }
  return bad("message role '" + role + "' cannot be translated");
}

// ---- core -> OpenAI ----------------------------------------------------------------------

json::object openai_image_part(const Block& b) {
  std::string url = b.url.empty() ? "data:" + b.media_type + ";base64," + b.data : b.url;
  return json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

// A user message from blocks: a plain string when only text, else parts.
json::object openai_user_message(const std::vector<const Block*>& blocks) {
  bool only_text = std::all_of(blocks.begin(), blocks.end(),
                               [](const Block* b) { return b->type == BlockType::text; });
  json::object msg{{"role", "user"}};
  if (only_text) {
    std::string text;
    for (const Block* b : blocks) {
      text += text.empty() ? b->text : "\n" + b->text;
    }
    msg["content"] = text;
    return msg;
  }
  json::array parts;
  for (const Block* b : blocks) {
    if (b->type == BlockType::text) {
      parts.push_back(json::object{{"type", "text"}, {"text", b->text}});
    } else {
      parts.push_back(openai_image_part(*b));
    }
  }
  msg["content"] = std::move(parts);
  return msg;
}

void emit_openai_user(const Message& m, json::array& out) {
  // Tool results first, one tool message each (3.1); images inside them and the rest of the
  // user's blocks follow in one user message.
  std::vector<const Block*> rest;
  for (const Block& b : m.content) {
    if (b.type != BlockType::tool_result) {
      continue;
    }
    std::string text = b.is_error ? "[tool error] " : "";
    bool first = true;
    for (const Block& part : b.content) {
      if (part.type == BlockType::image) {
        rest.push_back(&part);
        continue;
      }
      text += first ? part.text : "\n" + part.text;
      first = false;
    }
    out.push_back(json::object{{"role", "tool"}, {"tool_call_id", b.tool_use_id}, {"content", text}});
  }
  for (const Block& b : m.content) {
    if (b.type == BlockType::text || b.type == BlockType::image) {
      rest.push_back(&b);
    }
  }
  if (!rest.empty()) {
    out.push_back(openai_user_message(rest));
  }
}

void emit_openai_assistant(const Message& m, json::array& out, Dropped& dropped) {
  std::string text;
  json::array calls;
  for (const Block& b : m.content) {
    if (b.type == BlockType::text) {
      text += b.text;
    } else if (b.type == BlockType::tool_use) {
      calls.push_back(json::object{
          {"id", b.id},
          {"type", "function"},
          {"function", json::object{{"name", b.name}, {"arguments", json::serialize(b.input)}}}});
    }
    // thinking: dropped, signatures mean nothing off Anthropic (3.1), and local servers
    // do not agree on a field for prior reasoning (docs/translation.md).
    if (b.type == BlockType::thinking) {
      note(dropped, "thinking blocks");
    }
  }
  if (text.empty() && calls.empty()) {
    return;
  }
  // "" rather than null when only tool calls: some local chat templates choke on null.
  json::object msg{{"role", "assistant"}, {"content", text}};
  if (!calls.empty()) {
    msg["tool_calls"] = std::move(calls);
  }
  out.push_back(std::move(msg));
}

// ---- core -> Anthropic -------------------------------------------------------------------

json::object anthropic_image_block(const Block& b) {
  json::object src = b.url.empty()
                         ? json::object{{"type", "base64"}, {"media_type", b.media_type}, {"data", b.data}}
                         : json::object{{"type", "url"}, {"url", b.url}};
  return json::object{{"type", "image"}, {"source", std::move(src)}};
}

std::optional<json::object> anthropic_block(const Block& b) {
  switch (b.type) {
    case BlockType::text:
      if (b.text.empty()) {
        return std::nullopt;
      }
      return json::object{{"type", "text"}, {"text", b.text}};
    case BlockType::image: return anthropic_image_block(b);
    case BlockType::tool_use:
      return json::object{{"type", "tool_use"}, {"id", b.id}, {"name", b.name},
                          {"input", b.input.is_object() ? b.input : json::value(json::object())}};
    case BlockType::tool_result: {
      json::object r{{"type", "tool_result"}, {"tool_use_id", b.tool_use_id}};
      json::array parts;
      for (const Block& p : b.content) {
        if (auto pb = anthropic_block(p)) {
          parts.push_back(std::move(*pb));
        }
      }
      r["content"] = std::move(parts);
      if (b.is_error) {
        r["is_error"] = true;
      }
      return r;
    }
    case BlockType::thinking:
      // A thinking block is only valid with Anthropic's own signature (3.8 #9).
      if (b.signature.empty()) {
        return std::nullopt;
      }
      return json::object{{"type", "thinking"}, {"thinking", b.text}, {"signature", b.signature}};
  }
  return std::nullopt;
}

std::string_view role_name(Role r) { return r == Role::user ? "user" : "assistant"; }

json::array anthropic_messages(const std::vector<Message>& messages) {
  struct Turn {
    Role role;
    std::vector<json::object> blocks;
  };
  std::vector<Turn> turns;
  for (const Message& m : messages) {
    std::vector<json::object> blocks;
    for (const Block& b : m.content) {
      if (auto jb = anthropic_block(b)) {
        blocks.push_back(std::move(*jb));
      }
    }
    if (blocks.empty()) {
      continue;  // empty messages are rejected (3.8 #3)
    }
    if (!turns.empty() && turns.back().role == m.role) {
      for (auto& b : blocks) {
        turns.back().blocks.push_back(std::move(b));
      }
    } else {
      turns.push_back(Turn{m.role, std::move(blocks)});
    }
  }
  if (!turns.empty() && turns.front().role == Role::assistant) {
    turns.insert(turns.begin(),
                 Turn{Role::user, {json::object{{"type", "text"}, {"text", leading_user_placeholder}}}});
  }
  json::array out;
  for (auto& turn : turns) {
    // Tool results lead their user message (1.3); stable so their order is kept.
    std::stable_partition(turn.blocks.begin(), turn.blocks.end(), [](const json::object& b) {
      return b.at("type").as_string() == "tool_result";
    });
    json::array content;
    for (auto& b : turn.blocks) {
      content.push_back(std::move(b));
    }
    out.push_back(json::object{{"role", role_name(turn.role)}, {"content", std::move(content)}});
  }
  // Some models reject a final assistant turn ending in whitespace (3.4).
  if (!out.empty()) {
    auto& last = out.back().as_object();
    if (last.at("role").as_string() == "assistant") {
      auto& content = last.at("content").as_array();
      auto& tail = content.back().as_object();
      if (tail.at("type").as_string() == "text") {
        std::string text(tail.at("text").as_string());
        text.erase(text.find_last_not_of(" \t\r\n") + 1);
        if (text.empty()) {
          content.pop_back();
        } else {
          tail["text"] = text;
        }
        if (content.empty()) {
          out.pop_back();
        }
      }
    }
  }
  return out;
}

bool is_blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

// ---- thinking, effort and structured output -----------------------------------------------

bool is_anthropic_effort(std::string_view e) {
  return e == "low" || e == "medium" || e == "high" || e == "xhigh" || e == "max";
}

// reasoning_effort for local servers: low, medium or high, the levels every OpenAI-compatible
// server knows (newer names like xhigh are not safe to send).
std::string_view effort_for_budget(std::int64_t budget) {
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

std::string_view effort_for_openai(std::string_view anthropic_effort) {
  return anthropic_effort == "low" || anthropic_effort == "medium" ? anthropic_effort : "high";
}

// Anthropic output_config.format (or the older top-level output_format beta).
std::optional<ApiError> anthropic_output_format(const json::value& format, std::string_view what, core::Request& req) {
  if (format.is_null()) {
    return std::nullopt;
  }
  if (!format.is_object() || str_of(format.get_object(), "type") != "json_schema") {
    // The client will parse the reply as the format says: dropping it changes the request.
    return bad(std::string(what) + " other than json_schema cannot be translated");
  }
  auto schema = output_schema_of(format.get_object(), what);
  if (auto* e = std::get_if<ApiError>(&schema)) {
    return std::move(*e);
  }
  req.output_schema = core::OutputSchema{"", std::move(std::get<json::value>(schema))};
  return std::nullopt;
}

std::optional<ApiError> anthropic_thinking_and_output(const json::object& o, core::Request& req) {
  if (auto* t = o.if_contains("thinking"); t && t->is_object()) {
    const auto& to = t->get_object();
    std::string type = str_of(to, "type");
    core::Thinking thinking;
    if (type == "enabled") {
      thinking.type = core::ThinkingType::enabled;
      thinking.budget_tokens = int_of(to, "budget_tokens");
    } else if (type == "adaptive") {
      thinking.type = core::ThinkingType::adaptive;
    } else if (type == "disabled") {
      thinking.type = core::ThinkingType::disabled;
    } else {
      return bad("unknown thinking type '" + type + "'");
    }
    req.thinking = thinking;
    note_unknown(to, {"type", "budget_tokens"}, "thinking.", req.dropped);  // display
  }
  if (auto* oc = o.if_contains("output_config"); oc && oc->is_object()) {
    const auto& c = oc->get_object();
    note_unknown(c, {"effort", "format"}, "output_config.", req.dropped);
    std::string effort = str_of(c, "effort");
    if (is_anthropic_effort(effort)) {
      req.effort = std::move(effort);
    } else if (!effort.empty()) {
      note(req.dropped, "output_config.effort");
    }
    if (auto* f = c.if_contains("format")) {
      if (auto err = anthropic_output_format(*f, "output_config.format", req)) {
        return err;
      }
    }
  }
  if (auto* f = o.if_contains("output_format")) {
    if (auto err = anthropic_output_format(*f, "output_format", req)) {
      return err;
    }
  }
  return std::nullopt;
}

std::optional<ApiError> openai_reasoning_and_format(const json::object& o, core::Request& req) {
  if (auto* re = o.if_contains("reasoning_effort"); re && re->is_string()) {
    std::string effort(re->get_string());
    if (effort == "none") {
      req.thinking = core::Thinking{core::ThinkingType::disabled, std::nullopt};
    } else if (auto budget = budget_for_effort(effort)) {
      req.thinking = core::Thinking{core::ThinkingType::enabled, budget};
    } else {
      return bad("unknown reasoning_effort '" + effort + "'");
    }
  }
  if (auto* rf = o.if_contains("response_format"); rf && rf->is_object()) {
    const auto& f = rf->get_object();
    std::string type = str_of(f, "type");
    if (type == "json_schema") {
      auto* js = f.if_contains("json_schema");
      if (!js || !js->is_object()) {
        return bad("response_format json_schema needs a json_schema object");
      }
      auto schema = output_schema_of(js->get_object(), "response_format json_schema");
      if (auto* e = std::get_if<ApiError>(&schema)) {
        return std::move(*e);
      }
      req.output_schema = core::OutputSchema{str_of(js->get_object(), "name"), std::move(std::get<json::value>(schema))};
    } else if (type == "json_object") {
      // Anthropic's structured output needs a schema; plain JSON mode has no counterpart, and
      // dropping it would hand the client prose where it expects JSON.
      return bad("response_format json_object cannot be translated to Anthropic: send json_schema with a schema");
    } else if (!type.empty() && type != "text") {
      return bad("response_format type '" + type + "' cannot be translated");
    }
  }
  return std::nullopt;
}

// Fields an OpenAI request may carry that ask for something Anthropic cannot do: dropping
// them would change what the client gets, so they are refused.
std::optional<ApiError> openai_refused_fields(const json::object& o) {
  struct Refusal {
    std::string_view key;
    std::string_view message;
  };
  static constexpr Refusal refusals[] = {
      {"functions", "legacy functions cannot be translated; send tools"},
      {"function_call", "legacy function_call cannot be translated; send tool_choice"},
      {"audio", "audio output cannot be translated to Anthropic"},
      {"web_search_options", "web search cannot run on an Anthropic upstream through translation"},
  };
  for (const auto& r : refusals) {
    if (auto* v = o.if_contains(r.key); v && !v->is_null()) {
      return bad(std::string(r.message));
    }
  }
  if (auto* m = o.if_contains("modalities"); m && m->is_array()) {
    for (const auto& v : m->get_array()) {
      if (!v.is_string() || v.get_string() != "text") {
        return bad("only text output can be translated to Anthropic");
      }
    }
  }
  return std::nullopt;
}

void emit_openai_reasoning(const core::Request& request, json::object& out, Dropped& dropped) {
  std::string_view effort = request.effort.empty() ? std::string_view{} : effort_for_openai(request.effort);
  if (!request.thinking) {
    if (!effort.empty()) {
      out["reasoning_effort"] = effort;
    }
    return;
  }
  const auto& t = *request.thinking;
  const bool on = t.type != core::ThinkingType::disabled;
  if (on && effort.empty() && t.budget_tokens) {
    effort = effort_for_budget(*t.budget_tokens);
  }
  if (on && !effort.empty()) {
    out["reasoning_effort"] = effort;
  } else if (!effort.empty()) {
    note(dropped, "output_config.effort");  // effort without thinking: no OpenAI form
  }
  // Qwen3 templates read enable_thinking, DeepSeek V3.x and Granite templates thinking; a
  // template ignores the one it does not know, and servers without templates ignore both (5).
  out["chat_template_kwargs"] = json::object{{"enable_thinking", on}, {"thinking", on}};
}

}  // namespace

std::variant<RequestTranslation, ApiError> translate_request(Dialect client, Dialect upstream, const json::value& body,
                                                            std::string_view upstream_model) {
  auto parsed = client == Dialect::anthropic ? parse_anthropic_request(body)
                : client == Dialect::openai  ? parse_openai_request(body)
                                             : parse_responses_request(body);
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    return std::move(*e);
  }
  auto& request = std::get<core::Request>(parsed);
  RequestTranslation out;
  out.dropped = std::move(request.dropped);
  for (const auto& t : request.tools) {
    if (t.custom) {
      out.custom_tools.push_back(t.name);
    }
  }
  out.body = upstream == Dialect::openai ? emit_openai_request(request, upstream_model, &out.dropped)
                                         : emit_anthropic_request(request, upstream_model, &out.dropped);
  return out;
}

std::variant<core::Request, ApiError> parse_anthropic_request(const json::value& body) {
  if (!body.is_object()) {
    return bad("request body must be a JSON object");
  }
  const auto& o = body.get_object();
  if (auto* mcp = o.if_contains("mcp_servers"); mcp && asks_for_something("mcp_servers", *mcp)) {
    // MCP servers give the model tools, like server tools (3.8 #13).
    return bad("mcp_servers cannot be reached from an OpenAI-compatible upstream");
  }
  core::Request req;
  req.model = str_of(o, "model");
  if (auto* sys = o.if_contains("system")) {
    auto parts = text_parts(*sys, "system", req.dropped);
    if (auto* e = std::get_if<ApiError>(&parts)) {
      return std::move(*e);
    }
    req.system = std::move(std::get<std::vector<std::string>>(parts));
  }
  auto* msgs = o.if_contains("messages");
  if (!msgs || !msgs->is_array()) {
    return bad("messages must be an array");
  }
  for (const auto& item : msgs->get_array()) {
    if (!item.is_object()) {
      return bad("messages entries must be objects");
    }
    const auto& m = item.get_object();
    std::string role = str_of(m, "role");
    const json::value* content = m.if_contains("content");
    json::value null_content;
    if (role == "system") {
      // Claude Code's mid-conversation system beta: local templates want one leading system
      // message, so it joins the top-level system text (3.1).
      auto parts = text_parts(content ? *content : null_content, "system message content", req.dropped);
      if (auto* e = std::get_if<ApiError>(&parts)) {
        return std::move(*e);
      }
      for (auto& s : std::get<std::vector<std::string>>(parts)) {
        req.system.push_back(std::move(s));
      }
      continue;
    }
    if (role != "user" && role != "assistant") {
      return bad("message role must be user or assistant, got '" + role + "'");
    }
    auto blocks = anthropic_blocks(content ? *content : null_content, false, req.dropped);
    if (auto* e = std::get_if<ApiError>(&blocks)) {
      return std::move(*e);
    }
    req.messages.push_back(
        Message{role == "user" ? Role::user : Role::assistant, std::move(std::get<std::vector<Block>>(blocks))});
  }
  if (auto err = anthropic_tools(o, req)) {
    return std::move(*err);
  }
  if (auto err = anthropic_thinking_and_output(o, req)) {
    return std::move(*err);
  }
  req.max_tokens = int_of(o, "max_tokens");
  req.temperature = number_of(o, "temperature");
  req.top_p = number_of(o, "top_p");
  req.top_k = int_of(o, "top_k");
  if (auto* stops = o.if_contains("stop_sequences"); stops && stops->is_array()) {
    for (const auto& s : stops->get_array()) {
      if (s.is_string()) {
        req.stop_sequences.emplace_back(s.get_string());
      }
    }
  }
  if (auto* s = o.if_contains("stream"); s && s->is_bool()) {
    req.stream = s->get_bool();
  }
  if (auto* md = o.if_contains("metadata"); md && md->is_object()) {
    req.user = str_of(md->get_object(), "user_id");
    note_unknown(md->get_object(), {"user_id"}, "metadata.", req.dropped);
  }
  // Everything else: context_management, service_tier, container, inference_geo, top-level
  // cache_control, fields newer than this translator (3.8 #13).
  note_unknown(o,
               {"model", "messages", "system", "max_tokens", "stream", "stop_sequences", "temperature", "top_p",
                "top_k", "tools", "tool_choice", "thinking", "metadata", "output_config", "output_format"},
               "", req.dropped);
  return req;
}

std::variant<core::Request, ApiError> parse_openai_request(const json::value& body) {
  if (!body.is_object()) {
    return bad("request body must be a JSON object");
  }
  const auto& o = body.get_object();
  if (auto err = openai_refused_fields(o)) {
    return std::move(*err);
  }
  core::Request req;
  req.model = str_of(o, "model");
  auto* msgs = o.if_contains("messages");
  if (!msgs || !msgs->is_array()) {
    return bad("messages must be an array");
  }
  for (const auto& item : msgs->get_array()) {
    if (!item.is_object()) {
      return bad("messages entries must be objects");
    }
    if (auto err = openai_message(item.get_object(), req)) {
      return std::move(*err);
    }
  }
  if (auto n = int_of(o, "n"); n && *n != 1) {
    return bad("n must be 1 when the upstream is Anthropic");
  }
  if (auto* tools = o.if_contains("tools"); tools && tools->is_array()) {
    for (const auto& item : tools->get_array()) {
      if (!item.is_object() || str_of(item.get_object(), "type") != "function") {
        return bad("only function tools can be translated");
      }
      auto* fn = item.get_object().if_contains("function");
      if (!fn || !fn->is_object()) {
        return bad("function tool needs a function object");
      }
      const auto& f = fn->get_object();
      core::Tool tool;
      tool.name = str_of(f, "name");
      tool.description = str_of(f, "description");
      auto* params = f.if_contains("parameters");
      tool.input_schema =
          (params && params->is_object()) ? *params : json::value(json::object{{"type", "object"}});
      if (auto* s = f.if_contains("strict"); s && s->is_bool()) {
        tool.strict = s->get_bool();
      }
      req.tools.push_back(std::move(tool));
    }
  }
  if (auto* tc = o.if_contains("tool_choice")) {
    core::ToolChoice choice;
    if (tc->is_string()) {
      std::string_view s = tc->get_string();
      const auto type = tool_choice_type(s);
      if (!type) {
        return bad("unknown tool_choice '" + std::string(s) + "'");
      }
      choice.type = *type;
    } else if (tc->is_object()) {
      auto* fn = tc->get_object().if_contains("function");
      if (!fn || !fn->is_object()) {
        return bad("tool_choice object must name a function");
      }
      choice.type = core::ToolChoiceType::named;
      choice.name = str_of(fn->get_object(), "name");
    }
    req.tool_choice = choice;
  }
  if (auto* p = o.if_contains("parallel_tool_calls"); p && p->is_bool()) {
    req.disable_parallel_tool_use = !p->get_bool();
  }
  req.max_tokens = int_of(o, "max_completion_tokens");
  if (!req.max_tokens) {
    req.max_tokens = int_of(o, "max_tokens");
  }
  req.temperature = number_of(o, "temperature");
  req.top_p = number_of(o, "top_p");
  if (auto* stop = o.if_contains("stop")) {
    if (stop->is_string()) {
      req.stop_sequences.emplace_back(stop->get_string());
    } else if (stop->is_array()) {
      for (const auto& s : stop->get_array()) {
        if (s.is_string()) {
          req.stop_sequences.emplace_back(s.get_string());
        }
      }
    }
  }
  if (auto* s = o.if_contains("stream"); s && s->is_bool()) {
    req.stream = s->get_bool();
  }
  req.user = str_of(o, "user");
  if (req.user.empty()) {
    req.user = str_of(o, "safety_identifier");  // user's successor
  }
  req.top_k = int_of(o, "top_k");  // a local-server extension; Anthropic has it too
  if (auto err = openai_reasoning_and_format(o, req)) {
    return std::move(*err);
  }
  // Everything else: logprobs, penalties, seed, logit_bias, store, metadata, service_tier,
  // prompt_cache_key, verbosity, prediction... (3.4: ignored by the translation).
  note_unknown(o,
               {"model", "messages", "tools", "tool_choice", "parallel_tool_calls", "max_tokens",
                "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "stream", "stream_options", "n",
                "user", "safety_identifier", "reasoning_effort", "response_format", "modalities"},
               "", req.dropped);
  return req;
}

std::string emit_openai_request(const core::Request& request, std::string_view upstream_model, Dropped* dropped_out) {
  Dropped scratch;
  Dropped& dropped = dropped_out ? *dropped_out : scratch;
  json::object out;
  out["model"] = upstream_model;
  json::array messages;
  if (!request.system.empty()) {
    std::string system;
    for (const auto& s : request.system) {
      system += system.empty() ? s : "\n\n" + s;
    }
    messages.push_back(json::object{{"role", "system"}, {"content", system}});
  }
  for (const Message& m : request.messages) {
    if (m.role == Role::user) {
      emit_openai_user(m, messages);
    } else {
      emit_openai_assistant(m, messages, dropped);
    }
  }
  out["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    json::array tools;
    for (const auto& t : request.tools) {
      json::object fn{{"name", t.name}, {"parameters", t.input_schema}};
      if (!t.description.empty()) {
        fn["description"] = t.description;
      }
      if (t.strict) {
        fn["strict"] = *t.strict;
      }
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    out["tools"] = std::move(tools);
  }
  if (request.tool_choice) {
    switch (request.tool_choice->type) {
      case core::ToolChoiceType::auto_: out["tool_choice"] = "auto"; break;
      case core::ToolChoiceType::any: out["tool_choice"] = "required"; break;
      case core::ToolChoiceType::none: out["tool_choice"] = "none"; break;
      case core::ToolChoiceType::named:
        out["tool_choice"] = json::object{{"type", "function"},
                                          {"function", json::object{{"name", request.tool_choice->name}}}};
        break;
    }
  }
  if (request.disable_parallel_tool_use) {
    out["parallel_tool_calls"] = false;
  }
  if (request.max_tokens) {
    out["max_tokens"] = *request.max_tokens;
  }
  if (request.temperature) {
    out["temperature"] = *request.temperature;
  }
  if (request.top_p) {
    out["top_p"] = *request.top_p;
  }
  if (request.top_k) {
    out["top_k"] = *request.top_k;  // vLLM, llama.cpp, Ollama and SGLang accept it (3.1)
  }
  emit_openai_reasoning(request, out, dropped);
  if (request.output_schema) {
    const auto& s = *request.output_schema;
    out["response_format"] = json::object{
        {"type", "json_schema"},
        {"json_schema", json::object{{"name", s.name.empty() ? "output" : s.name}, {"schema", s.schema}, {"strict", true}}}};
  }
  if (!request.stop_sequences.empty()) {
    json::array stop;
    for (const auto& s : request.stop_sequences) {
      stop.push_back(json::string(s));
    }
    out["stop"] = std::move(stop);
  }
  if (request.stream) {
    out["stream"] = true;
    // Without it llama.cpp and others send no usage at all (3.1).
    out["stream_options"] = json::object{{"include_usage", true}};
  }
  if (!request.user.empty()) {
    out["user"] = request.user;
  }
  return json::serialize(out);
}

std::string emit_anthropic_request(const core::Request& request, std::string_view upstream_model,
                                   Dropped* dropped_out) {
  Dropped scratch;
  Dropped& dropped = dropped_out ? *dropped_out : scratch;
  json::object out;
  out["model"] = upstream_model;
  std::int64_t max_tokens = request.max_tokens.value_or(default_max_tokens);
  out["max_tokens"] = max_tokens;
  if (!request.system.empty()) {
    std::string system;
    for (const auto& s : request.system) {
      system += system.empty() ? s : "\n" + s;
    }
    out["system"] = system;
  }
  out["messages"] = anthropic_messages(request.messages);
  if (!request.tools.empty()) {
    json::array tools;
    for (const auto& t : request.tools) {
      json::object tool{{"name", t.name}, {"input_schema", t.input_schema}};
      if (!t.description.empty()) {
        tool["description"] = t.description;
      }
      if (t.strict) {
        tool["strict"] = *t.strict;
      }
      tools.push_back(std::move(tool));
    }
    out["tools"] = std::move(tools);
  }
  std::optional<core::ToolChoice> choice = request.tool_choice;
  if (!choice && request.disable_parallel_tool_use && !request.tools.empty()) {
    choice = core::ToolChoice{};  // auto, to carry disable_parallel_tool_use
  }
  if (choice) {
    json::object tc;
    switch (choice->type) {
      case core::ToolChoiceType::auto_: tc["type"] = "auto"; break;
      case core::ToolChoiceType::any: tc["type"] = "any"; break;
      case core::ToolChoiceType::none: tc["type"] = "none"; break;
      case core::ToolChoiceType::named:
        tc["type"] = "tool";
        tc["name"] = choice->name;
        break;
    }
    if (request.disable_parallel_tool_use && choice->type != core::ToolChoiceType::none) {
      tc["disable_parallel_tool_use"] = true;
    }
    out["tool_choice"] = std::move(tc);
  }
  // Names below are OpenAI's: an Anthropic request is only emitted for OpenAI clients.
  bool thinking = false;
  if (request.thinking) {
    const auto& t = *request.thinking;
    const bool forced_tool = choice && (choice->type == core::ToolChoiceType::any || choice->type == core::ToolChoiceType::named);
    if (t.type == core::ThinkingType::enabled && forced_tool) {
      note(dropped, "reasoning_effort");  // budget thinking refuses forced tool use (1.3)
    } else if (t.type == core::ThinkingType::enabled) {
      const std::int64_t budget = std::max(t.budget_tokens.value_or(min_thinking_budget), min_thinking_budget);
      if (max_tokens <= budget) {
        // The budget must stay below max_tokens; keep the asked-for room for the answer.
        max_tokens = max_tokens > 0 && budget > INT64_MAX - max_tokens ? INT64_MAX : max_tokens + budget;
        out["max_tokens"] = max_tokens;
      }
      out["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", budget}};
      thinking = true;
    } else {
      thinking = t.type == core::ThinkingType::adaptive;
      out["thinking"] = json::object{{"type", thinking ? "adaptive" : "disabled"}};
    }
  }
  // With thinking on Anthropic takes no temperature or top_k and top_p only from 0.95 (1.2).
  if (request.temperature) {
    const double temperature = std::clamp(*request.temperature, 0.0, 1.0);
    if (thinking && temperature != 1.0) {
      note(dropped, "temperature");
    } else {
      out["temperature"] = temperature;
    }
  }
  if (request.top_p) {
    if (thinking && *request.top_p < 0.95) {
      note(dropped, "top_p");
    } else {
      out["top_p"] = *request.top_p;
    }
  }
  if (request.top_k) {
    if (thinking) {
      note(dropped, "top_k");
    } else {
      out["top_k"] = *request.top_k;
    }
  }
  json::object output_config;
  if (!request.effort.empty()) {
    output_config["effort"] = request.effort;
  }
  if (request.output_schema) {
    output_config["format"] = json::object{{"type", "json_schema"}, {"schema", request.output_schema->schema}};
  }
  if (!output_config.empty()) {
    out["output_config"] = std::move(output_config);
  }
  json::array stops;
  for (const auto& s : request.stop_sequences) {
    if (is_blank(s)) {
      note(dropped, "stop");  // Anthropic rejects whitespace-only stop sequences
    } else {
      stops.push_back(json::string(s));
    }
  }
  if (!stops.empty()) {
    out["stop_sequences"] = std::move(stops);
  }
  if (request.stream) {
    out["stream"] = true;
  }
  if (!request.user.empty()) {
    out["metadata"] = json::object{{"user_id", request.user}};
  }
  return json::serialize(out);
}

}  // namespace spillway::dialect
