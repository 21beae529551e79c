#include "sim/reply_plan.hpp"

#include <array>
#include <charconv>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/text.hpp"

namespace spillway::sim {

namespace json = boost::json;

namespace {


bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

// Text of a message's content: the string itself, or its text blocks / parts joined.
void append_content_text(const json::value& content, std::string& out) {
  if (const auto* s = content.if_string()) {
    out.append(s->data(), s->size());
    return;
  }
  const auto* arr = content.if_array();
  if (arr == nullptr) {
    return;
  }
  for (const auto& block : *arr) {
    const auto* obj = block.if_object();
    if (obj == nullptr) {
      continue;
    }
    const auto* type = obj->if_contains("type");
    const auto* text = obj->if_contains("text");
    // "text" blocks (Messages, Chat Completions), "input_text" parts (Responses).
    if (type != nullptr && type->is_string() && (type->get_string() == "text" || type->get_string() == "input_text") &&
        text != nullptr && text->is_string()) {
      if (!out.empty()) {
        out.push_back('\n');
      }
      out.append(text->get_string().data(), text->get_string().size());
    }
  }
}

std::int64_t as_int(const json::value* v) {
  if (v == nullptr) {
    return 0;
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return 0;
}

}  // namespace

std::vector<ReplyPlan> load_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read script file " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(ss.str(), ec);
  if (ec) {
    throw std::runtime_error("script file " + path + " is not valid JSON: " + ec.message());
  }
  const auto* arr = doc.if_array();
  if (arr == nullptr || arr->empty()) {
    throw std::runtime_error("script file " + path + " must hold a non-empty JSON array");
  }
  std::vector<ReplyPlan> plans;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "script file " + path + ", entry " + std::to_string(i) + ": ";
    const auto* obj = (*arr)[i].if_object();
    if (obj == nullptr) {
      throw std::runtime_error(where + "must be an object");
    }
    ReplyPlan plan;
    if (const auto* text = obj->if_contains("text")) {
      if (!text->is_string()) {
        throw std::runtime_error(where + "\"text\" must be a string");
      }
      plan.kind = ReplyPlan::Kind::text;
      plan.text = json::value_to<std::string>(*text);
    } else if (const auto* tool = obj->if_contains("tool")) {
      if (!tool->is_string() || tool->get_string().empty()) {
        throw std::runtime_error(where + "\"tool\" must be a non-empty string");
      }
      plan.kind = ReplyPlan::Kind::tool;
      plan.tool_name = json::value_to<std::string>(*tool);
      const auto* input = obj->if_contains("input");
      if (input != nullptr && !input->is_object()) {
        throw std::runtime_error(where + "\"input\" must be an object");
      }
      plan.tool_input = input != nullptr ? json::serialize(*input) : "{}";
    } else if (const auto* status = obj->if_contains("status")) {
      const auto code = as_int(status);
      if (code < 400 || code > 599) {
        throw std::runtime_error(where + "\"status\" must be an HTTP error status (400-599)");
      }
      plan.kind = ReplyPlan::Kind::error;
      plan.status = static_cast<int>(code);
      if (const auto* msg = obj->if_contains("message"); msg != nullptr && msg->is_string()) {
        plan.text = json::value_to<std::string>(*msg);
      }
    } else {
      throw std::runtime_error(where + "needs one of \"text\", \"tool\" or \"status\"");
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::optional<ReplyPlan> parse_tool_call_header(std::string_view value) {
  value = trim_ows(value);
  std::size_t n = 0;
  while (n < value.size() && is_name_char(value[n])) {
    ++n;
  }
  if (n == 0) {
    return std::nullopt;
  }
  ReplyPlan plan;
  plan.kind = ReplyPlan::Kind::tool;
  plan.tool_name = std::string(value.substr(0, n));
  const auto args = trim_ows(value.substr(n));
  if (args.empty()) {
    plan.tool_input = "{}";
    return plan;
  }
  boost::system::error_code ec;
  json::value v = json::parse(args, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  plan.tool_input = json::serialize(v);
  return plan;
}

std::variant<MockRequest, std::string> parse_mock_request(std::string_view body) {
  // Most requests are small: parse them into a stack buffer before touching the heap.
  std::array<unsigned char, 8192> scratch;
  json::monotonic_resource mr(scratch.data(), scratch.size());
  json::parse_options opts;
  opts.max_depth = 128;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, &mr, opts);
  if (ec) {
    return std::string("malformed JSON in request body: ") + ec.message();
  }
  const auto* obj = doc.if_object();
  if (obj == nullptr) {
    return std::string("request body must be a JSON object");
  }
  MockRequest r;
  const auto* model = obj->if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    return std::string("model: field required (a non-empty string)");
  }
  r.model = std::string(model->get_string().data(), model->get_string().size());
  if (const auto* s = obj->if_contains("stream"); s != nullptr && s->is_bool()) {
    r.stream = s->get_bool();
  }
  if (const auto* so = obj->if_contains("stream_options"); so != nullptr && so->is_object()) {
    if (const auto* iu = so->get_object().if_contains("include_usage");
        iu != nullptr && iu->is_bool()) {
      r.include_usage = iu->get_bool();
    }
  }
  r.max_tokens = as_int(obj->if_contains("max_completion_tokens"));
  if (r.max_tokens == 0) {
    r.max_tokens = as_int(obj->if_contains("max_tokens"));
  }
  if (r.max_tokens == 0) {
    r.max_tokens = as_int(obj->if_contains("max_output_tokens"));  // Responses
  }
  std::size_t bytes = 0;
  for (const char* key : {"messages", "system", "tools", "input", "instructions"}) {
    if (const auto* v = obj->if_contains(key)) {
      bytes += json::serialize(*v).size();
    }
  }
  r.input_tokens = static_cast<std::int64_t>((bytes + 3) / 4);
  if (const auto* tools = obj->if_contains("tools"); tools != nullptr && tools->is_array()) {
    r.has_tools = !tools->get_array().empty();
  }
  if (const auto* msgs = obj->if_contains("messages"); msgs != nullptr && msgs->is_array()) {
    const auto& arr = msgs->get_array();
    if (!arr.empty() && arr.back().is_object()) {
      const auto& last = arr.back().get_object();
      const auto* role = last.if_contains("role");
      const auto* content = last.if_contains("content");
      if (role != nullptr && role->is_string() && role->get_string() == "user" &&
          content != nullptr) {
        append_content_text(*content, r.last_user_text);
      }
    }
  }
  // Responses: a string input is the user's text; else the last item, when it is a user message.
  if (const auto* input = obj->if_contains("input")) {
    if (input->is_string()) {
      r.last_user_text = std::string(input->get_string());
    } else if (input->is_array() && !input->get_array().empty() && input->get_array().back().is_object()) {
      const auto& last = input->get_array().back().get_object();
      const auto* role = last.if_contains("role");
      const auto* content = last.if_contains("content");
      if (role != nullptr && role->is_string() && role->get_string() == "user" && content != nullptr) {
        append_content_text(*content, r.last_user_text);
      }
    }
  }
  return r;
}

std::optional<ReplyPlan> tool_call_from_text(const MockRequest& request) {
  if (!request.has_tools) {
    return std::nullopt;
  }
  constexpr std::string_view marker = "call tool ";
  const std::string_view text = request.last_user_text;
  const auto at = text.find(marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  auto rest = text.substr(at + marker.size());
  std::size_t n = 0;
  while (n < rest.size() && is_name_char(rest[n])) {
    ++n;
  }
  if (n == 0) {
    return std::nullopt;
  }
  ReplyPlan plan;
  plan.kind = ReplyPlan::Kind::tool;
  plan.tool_name = std::string(rest.substr(0, n));
  json::object input;
  input["input"] = json::string(text);
  plan.tool_input = json::serialize(input);
  return plan;
}

namespace {

long parse_status(std::string_view s) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) {
    return 0;
  }
  return v;
}

}  // namespace

bool choose_plan(const PlanSources& sources, const MockRequest& request, ReplyPlan& plan) {
  if (!sources.status_header.empty()) {
    const long status = parse_status(sources.status_header);
    if (status >= 400 && status <= 599) {
      plan.kind = ReplyPlan::Kind::error;
      plan.status = static_cast<int>(status);
      return true;
    }
  }
  if (sources.overloaded_roll) {
    plan.kind = ReplyPlan::Kind::error;
    plan.status = sources.dialect == Dialect::anthropic ? 529 : 503;
    return true;
  }
  if (sources.internal_error_roll) {
    plan.kind = ReplyPlan::Kind::error;
    plan.status = 500;
    return true;
  }
  if (!sources.tool_call_header.empty()) {
    auto parsed = parse_tool_call_header(sources.tool_call_header);
    if (!parsed) {
      return false;
    }
    plan = std::move(*parsed);
    return true;
  }
  if (!sources.reply_header.empty()) {
    plan.kind = ReplyPlan::Kind::text;
    plan.text = std::string(sources.reply_header);
    return true;
  }
  if (sources.script != nullptr && !sources.script->empty() && sources.script_next != nullptr) {
    const auto i = sources.script_next->fetch_add(1, std::memory_order_relaxed);
    plan = (*sources.script)[i % sources.script->size()];
    return true;
  }
  if (auto tool = tool_call_from_text(request)) {
    plan = std::move(*tool);
    return true;
  }
  plan.kind = ReplyPlan::Kind::text;
  plan.text = std::string(sources.default_reply);
  return true;
}

}  // namespace spillway::sim
