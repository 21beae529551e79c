// OpenAI Responses requests (what Codex sends) into the core form (PROTOCOLS.md 2.6 and 3.7).
// Output items become the turns the other two dialects know: messages, tool calls and tool
// results; free-form (custom) tools become function tools with one string argument, "input".
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "dialect/json_fields.hpp"
#include "dialect/request_parts.hpp"
#include "dialect/translate_request.hpp"

namespace spillway::dialect {

namespace {

namespace json = boost::json;
using namespace parts;
using core::Block;
using core::BlockType;
using core::Message;
using core::Role;

// The schema a custom tool's single argument is wrapped in (3.7).
json::value custom_tool_schema() {
  return json::object{{"type", "object"},
                      {"properties", json::object{{"input", json::object{{"type", "string"}}}}},
                      {"required", json::array{"input"}}};
}

// The message a new block of `role` goes into: the last one when it has that role (Responses
// lists each tool call and output as its own item; the other dialects group them by turn).
Message& turn(core::Request& req, Role role) {
  if (req.messages.empty() || req.messages.back().role != role) {
    req.messages.push_back(Message{role, {}});
  }
  return req.messages.back();
}

std::variant<Block, ApiError> image_of(const json::object& part) {
  Block b;
  b.type = BlockType::image;
  const json::value* url = part.if_contains("image_url");
  if (url != nullptr && url->is_object()) {
    url = url->get_object().if_contains("url");
  }
  if (url == nullptr || !url->is_string() || url->get_string().empty()) {
    if (part.contains("file_id")) {
      return bad("input_image by file_id needs OpenAI's file store: send the image as a URL or a data URL");
    }
    return bad("input_image needs an image_url");
  }
  std::string_view u = url->get_string();
  // data:<media type>;base64,<data> becomes inline data; anything else stays a URL.
  if (u.starts_with("data:")) {
    const auto semi = u.find(";base64,");
    if (semi == std::string_view::npos) {
      return bad("input_image data URLs must be base64");
    }
    b.media_type = std::string(u.substr(5, semi - 5));
    b.data = std::string(u.substr(semi + 8));
  } else {
    b.url = std::string(u);
  }
  return b;
}

// A message's content: a string, or parts (input_text / output_text / refusal / input_image).
std::optional<ApiError> message_content(const json::value& content, std::vector<Block>& out, Dropped& dropped) {
  if (content.is_string()) {
    if (!content.get_string().empty()) {
      out.push_back(text_block(std::string(content.get_string())));
    }
    return std::nullopt;
  }
  if (!content.is_array()) {
    return bad("message content must be a string or an array of content parts");
  }
  for (const auto& p : content.get_array()) {
    if (!p.is_object()) {
      return bad("message content parts must be objects");
    }
    const auto& part = p.get_object();
    const std::string type = str_of(part, "type");
    if (type == "input_text" || type == "output_text" || type == "text") {
      std::string text = str_of(part, "text");
      if (!text.empty()) {
        out.push_back(text_block(std::move(text)));
      }
    } else if (type == "refusal") {
      out.push_back(text_block(str_of(part, "refusal")));
    } else if (type == "input_image") {
      auto image = image_of(part);
      if (auto* e = std::get_if<ApiError>(&image)) {
        return std::move(*e);
      }
      out.push_back(std::move(std::get<Block>(image)));
    } else if (type == "input_file" || type == "input_audio") {
      return bad(type + " content cannot be translated for this upstream");
    } else {
      return bad("unknown content part type '" + type + "'");
    }
    if (type == "output_text") {
      if (auto* a = part.if_contains("annotations"); a && asks_for_something("annotations", *a)) {
        note(dropped, "annotations");
      }
    }
  }
  return std::nullopt;
}

// A tool output: a string, or parts of which the text is kept.
std::vector<Block> tool_output(const json::value* output) {
  std::vector<Block> out;
  if (output == nullptr) {
    return out;
  }
  if (output->is_string()) {
    out.push_back(text_block(std::string(output->get_string())));
  } else if (output->is_array()) {
    for (const auto& p : output->get_array()) {
      if (p.is_object()) {
        const auto& part = p.get_object();
        const std::string type = str_of(part, "type");
        if (type == "input_text" || type == "output_text") {
          out.push_back(text_block(str_of(part, "text")));
        } else if (type == "input_image") {
          if (auto image = image_of(part); std::holds_alternative<Block>(image)) {
            out.push_back(std::move(std::get<Block>(image)));
          }
        }
      }
    }
  }
  return out;
}

std::optional<ApiError> input_item(const json::object& item, core::Request& req) {
  std::string type = str_of(item, "type");
  if (type.empty() && item.contains("role")) {
    type = "message";  // an easy input message: {role, content}
  }
  if (type == "message") {
    const std::string role = str_of(item, "role");
    const json::value* content = item.if_contains("content");
    json::value none;
    if (role == "system" || role == "developer") {
      std::vector<Block> blocks;
      if (auto err = message_content(content ? *content : none, blocks, req.dropped)) {
        return err;
      }
      for (auto& b : blocks) {
        if (b.type != BlockType::text) {
          return bad(role + " messages may contain only text");
        }
        req.system.push_back(std::move(b.text));
      }
      return std::nullopt;
    }
    if (role != "user" && role != "assistant") {
      return bad("message role must be user, assistant, system or developer, got '" + role + "'");
    }
    std::vector<Block> blocks;
    if (auto err = message_content(content ? *content : none, blocks, req.dropped)) {
      return err;
    }
    if (!blocks.empty()) {
      auto& m = turn(req, role == "user" ? Role::user : Role::assistant);
      for (auto& b : blocks) {
        m.content.push_back(std::move(b));
      }
    }
    return std::nullopt;
  }
  if (type == "function_call" || type == "custom_tool_call") {
    Block b;
    b.type = BlockType::tool_use;
    b.id = str_of(item, "call_id");
    b.name = str_of(item, "name");
    if (b.id.empty() || b.name.empty()) {
      return bad(type + " items need a call_id and a name");
    }
    if (type == "function_call") {
      b.input = parse_arguments(item.if_contains("arguments"));
    } else {
      b.input = json::object{{"input", str_of(item, "input")}};
    }
    turn(req, Role::assistant).content.push_back(std::move(b));
    return std::nullopt;
  }
  if (type == "function_call_output" || type == "custom_tool_call_output") {
    Block b;
    b.type = BlockType::tool_result;
    b.tool_use_id = str_of(item, "call_id");
    if (b.tool_use_id.empty()) {
      return bad(type + " items need a call_id");
    }
    b.content = tool_output(item.if_contains("output"));
    turn(req, Role::user).content.push_back(std::move(b));
    return std::nullopt;
  }
  if (type == "reasoning") {
    // Reasoning the model produced earlier: its encrypted form belongs to OpenAI, and an
    // upstream of another dialect cannot read it.
    note(req.dropped, "reasoning items");
    return std::nullopt;
  }
  if (type == "item_reference") {
    return bad("item_reference needs items stored server-side, which this gateway does not keep; send the items");
  }
  return bad("input items of type '" + type + "' cannot be translated for this upstream");
}

std::optional<ApiError> tools_of(const json::object& o, core::Request& req) {
  auto* tools = o.if_contains("tools");
  if (tools == nullptr || tools->is_null()) {
    return std::nullopt;
  }
  if (!tools->is_array()) {
    return bad("tools must be an array");
  }
  for (const auto& t : tools->get_array()) {
    if (!t.is_object()) {
      return bad("tools entries must be objects");
    }
    const auto& tool = t.get_object();
    const std::string type = str_of(tool, "type");
    core::Tool out;
    out.name = str_of(tool, "name");
    out.description = str_of(tool, "description");
    if (type == "function") {
      auto* params = tool.if_contains("parameters");
      out.input_schema = params && params->is_object() ? *params : json::value(json::object{{"type", "object"}});
      if (auto* s = tool.if_contains("strict"); s && s->is_bool()) {
        out.strict = s->get_bool();
      }
    } else if (type == "custom") {
      out.input_schema = custom_tool_schema();
      out.custom = true;
      if (auto* f = tool.if_contains("format"); f && f->is_object() && str_of(f->get_object(), "type") == "grammar") {
        // The upstream cannot enforce a grammar; the model reads it instead.
        out.description += "\n\nThe input must follow this " + str_of(f->get_object(), "syntax") + " grammar:\n" +
                           str_of(f->get_object(), "definition");
      }
    } else {
      // Built-in tools (web_search, file_search, local_shell, mcp...) run inside OpenAI.
      note(req.dropped, "tools." + (type.empty() ? std::string("(untyped)") : type));
      continue;
    }
    if (out.name.empty()) {
      return bad(type + " tools need a name");
    }
    req.tools.push_back(std::move(out));
  }
  return std::nullopt;
}

std::optional<ApiError> tool_choice_of(const json::object& o, core::Request& req) {
  auto* tc = o.if_contains("tool_choice");
  if (tc == nullptr || tc->is_null()) {
    return std::nullopt;
  }
  core::ToolChoice choice;
  if (tc->is_string()) {
    std::string_view s = tc->get_string();
    const auto type = tool_choice_type(s);
    if (!type) {
      return bad("unknown tool_choice '" + std::string(s) + "'");
    }
    choice.type = *type;
  } else if (tc->is_object()) {
    const std::string type = str_of(tc->get_object(), "type");
    if (type != "function" && type != "custom") {
      return bad("tool_choice of type '" + type + "' cannot be translated");
    }
    choice.type = core::ToolChoiceType::named;
    choice.name = str_of(tc->get_object(), "name");
  } else {
    return bad("tool_choice must be a string or an object");
  }
  req.tool_choice = choice;
  return std::nullopt;
}

std::optional<ApiError> reasoning_and_text(const json::object& o, core::Request& req) {
  if (auto* r = o.if_contains("reasoning"); r && r->is_object()) {
    // Without an effort the client leaves reasoning to the model's default (Codex sends only
    // {summary: "auto"}); so does the translation.
    const std::string effort = str_of(r->get_object(), "effort");
    if (effort == "none") {
      req.thinking = core::Thinking{core::ThinkingType::disabled, std::nullopt};
    } else if (!effort.empty()) {
      auto budget = budget_for_effort(effort);
      if (!budget) {
        return bad("unknown reasoning.effort '" + effort + "'");
      }
      req.thinking = core::Thinking{core::ThinkingType::enabled, budget};
    }
  }
  if (auto* t = o.if_contains("text"); t && t->is_object()) {
    auto* f = t->get_object().if_contains("format");
    if (f != nullptr && f->is_object()) {
      const auto& format = f->get_object();
      const std::string type = str_of(format, "type");
      if (type == "json_schema") {
        auto schema = output_schema_of(format, "text.format json_schema");
        if (auto* e = std::get_if<ApiError>(&schema)) {
          return std::move(*e);
        }
        req.output_schema = core::OutputSchema{str_of(format, "name"), std::move(std::get<json::value>(schema))};
      } else if (type == "json_object") {
        return bad("text.format json_object cannot be translated: send json_schema with a schema");
      } else if (!type.empty() && type != "text") {
        return bad("text.format type '" + type + "' cannot be translated");
      }
    }
    note_unknown(t->get_object(), {"format"}, "text.", req.dropped);  // verbosity
  }
  return std::nullopt;
}

}  // namespace

std::variant<core::Request, ApiError> parse_responses_request(const json::value& body) {
  if (!body.is_object()) {
    return bad("request body must be a JSON object");
  }
  const auto& o = body.get_object();
  if (auto* prev = o.if_contains("previous_response_id"); prev && !prev->is_null()) {
    return bad("previous_response_id needs responses stored server-side, which this gateway does not keep; "
               "send the whole conversation in input (as Codex does)");
  }
  if (auto* c = o.if_contains("conversation"); c && !c->is_null()) {
    return bad("conversation needs state stored server-side, which this gateway does not keep; "
               "send the whole conversation in input");
  }
  if (auto* b = o.if_contains("background"); b && b->is_bool() && b->get_bool()) {
    return bad("background responses need server-side storage, which this gateway does not keep");
  }
  core::Request req;
  req.model = str_of(o, "model");
  if (auto* instructions = o.if_contains("instructions"); instructions && instructions->is_string()) {
    if (!instructions->get_string().empty()) {
      req.system.emplace_back(instructions->get_string());
    }
  }
  const json::value* input = o.if_contains("input");
  if (input == nullptr || input->is_null()) {
    return bad("input is required: a string or an array of input items");
  }
  if (input->is_string()) {
    req.messages.push_back(Message{Role::user, {text_block(std::string(input->get_string()))}});
  } else if (input->is_array()) {
    for (const auto& item : input->get_array()) {
      if (!item.is_object()) {
        return bad("input items must be objects");
      }
      if (auto err = input_item(item.get_object(), req)) {
        return std::move(*err);
      }
    }
  } else {
    return bad("input must be a string or an array of input items");
  }
  if (auto err = tools_of(o, req)) {
    return std::move(*err);
  }
  if (auto err = tool_choice_of(o, req)) {
    return std::move(*err);
  }
  if (auto* p = o.if_contains("parallel_tool_calls"); p && p->is_bool()) {
    req.disable_parallel_tool_use = !p->get_bool();
  }
  req.max_tokens = int_of(o, "max_output_tokens");
  req.temperature = number_of(o, "temperature");
  req.top_p = number_of(o, "top_p");
  if (auto* s = o.if_contains("stream"); s && s->is_bool()) {
    req.stream = s->get_bool();
  }
  req.user = str_of(o, "safety_identifier");
  if (req.user.empty()) {
    req.user = str_of(o, "user");
  }
  if (auto err = reasoning_and_text(o, req)) {
    return std::move(*err);
  }
  // store: responses are never stored here, whatever it says (a later previous_response_id is
  // refused above). include, prompt_cache_key and client_metadata (Codex's) ask nothing of the
  // model; metadata, truncation, service_tier... are named as dropped.
  note_unknown(o,
               {"model", "instructions", "input", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens",
                "temperature", "top_p", "stream", "safety_identifier", "user", "reasoning", "text", "store",
                "include", "prompt_cache_key", "previous_response_id", "conversation", "background", "stream_options",
                "client_metadata"},
               "", req.dropped);
  return req;
}

}  // namespace spillway::dialect
