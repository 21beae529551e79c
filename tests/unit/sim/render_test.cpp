#include "sim/render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace spillway::sim {
namespace {

namespace json = boost::json;

ReplyPlan text_plan(std::string text) {
  ReplyPlan plan;
  plan.kind = ReplyPlan::Kind::text;
  plan.text = std::move(text);
  return plan;
}

ReplyPlan tool_plan(std::string name, std::string input) {
  ReplyPlan plan;
  plan.kind = ReplyPlan::Kind::tool;
  plan.tool_name = std::move(name);
  plan.tool_input = std::move(input);
  return plan;
}

ReplyContext context(Dialect dialect) {
  ReplyContext ctx;
  ctx.dialect = dialect;
  ctx.model = "model-\"x\"";  // needs escaping
  ctx.id = dialect == Dialect::anthropic ? "msg_test1" : "chatcmpl-test1";
  ctx.tool_id = dialect == Dialect::anthropic ? "toolu_test1" : "call_test1";
  ctx.input_tokens = 17;
  ctx.created = 1767225600;
  return ctx;
}

const std::string long_args =
    R"({"path":"src/main.cpp","pattern":"TODO \"fix\"","lines":[1,2,3],"deep":{"a":true}})";

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in: " << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

std::string str(const json::value& v) {
  EXPECT_TRUE(v.is_string()) << json::serialize(v);
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

struct Frame {
  std::string event;  // empty for data-only frames
  std::string data;
};

// Splits an SSE stream into frames; every frame must end in a blank line.
std::vector<Frame> parse_sse(std::string_view text) {
  std::vector<Frame> frames;
  while (!text.empty()) {
    const auto end = text.find("\n\n");
    EXPECT_NE(end, std::string_view::npos) << "unterminated frame: " << text;
    if (end == std::string_view::npos) {
      break;
    }
    std::string_view block = text.substr(0, end);
    text.remove_prefix(end + 2);
    Frame frame;
    while (!block.empty()) {
      const auto eol = block.find('\n');
      const auto line = block.substr(0, eol);
      block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 1);
      if (line.rfind("event: ", 0) == 0) {
        frame.event = std::string(line.substr(7));
      } else if (line.rfind("data: ", 0) == 0) {
        EXPECT_TRUE(frame.data.empty()) << "one data line per frame expected";
        frame.data = std::string(line.substr(6));
      } else {
        ADD_FAILURE() << "unexpected SSE line: " << line;
      }
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

std::string joined(const ReplyTokens& tokens) {
  std::string out;
  for (auto piece : tokens.pieces) {
    out.append(piece);
  }
  return out;
}

// ---- tokenize ----

TEST(Tokenize, WordsKeepTheirTrailingWhitespaceAndJoinBack) {
  const auto plan = text_plan("  Hello,  world!\nHow are\tyou? ");
  const auto t = tokenize(plan, 0);
  ASSERT_EQ(t.pieces.size(), 5u);
  EXPECT_EQ(t.pieces[0], "  Hello,  ");
  EXPECT_EQ(t.pieces[1], "world!\n");
  EXPECT_EQ(t.pieces[4], "you? ");
  EXPECT_EQ(joined(t), plan.text);
  EXPECT_FALSE(t.truncated);
}

TEST(Tokenize, MaxTokensTruncates) {
  const auto plan = text_plan("one two three four");
  EXPECT_FALSE(tokenize(plan, 4).truncated);
  EXPECT_FALSE(tokenize(plan, 9).truncated);
  const auto t = tokenize(plan, 2);
  EXPECT_TRUE(t.truncated);
  EXPECT_EQ(joined(t), "one two ");
}

TEST(Tokenize, EmptyTextHasNoTokens) {
  EXPECT_TRUE(tokenize(text_plan(""), 0).pieces.empty());
  EXPECT_TRUE(tokenize(text_plan(" \n "), 0).pieces.empty());
}

TEST(Tokenize, ToolArgumentsSplitIntoAtLeastThreeFragments) {
  for (const std::string& args : {std::string(R"({"a":1})"), long_args}) {
    const auto plan = tool_plan("f", args);  // the pieces are views into the plan
    const auto t = tokenize(plan, 1);        // max_tokens does not cut tool calls
    EXPECT_GE(t.pieces.size(), 3u) << args;
    EXPECT_GE(t.pieces.size(), args.size() / 16) << args;
    EXPECT_EQ(joined(t), args);
    EXPECT_FALSE(t.truncated);
  }
}

// ---- non-streaming bodies ----

TEST(RenderJson, AnthropicText) {
  const auto plan = text_plan("Hi there, \"friend\".");
  const auto tokens = tokenize(plan, 0);
  std::string out;
  render_json(out, context(Dialect::anthropic), plan, tokens);
  const auto o = parse_object(out);
  EXPECT_EQ(str(o.at("id")), "msg_test1");
  EXPECT_EQ(str(o.at("type")), "message");
  EXPECT_EQ(str(o.at("role")), "assistant");
  EXPECT_EQ(str(o.at("model")), "model-\"x\"");
  const auto& content = o.at("content").as_array();
  ASSERT_EQ(content.size(), 1u);
  EXPECT_EQ(str(content[0].at("type")), "text");
  EXPECT_EQ(str(content[0].at("text")), plan.text);
  EXPECT_EQ(str(o.at("stop_reason")), "end_turn");
  EXPECT_TRUE(o.at("stop_sequence").is_null());
  EXPECT_EQ(o.at("usage").at("input_tokens").as_int64(), 17);
  EXPECT_EQ(o.at("usage").at("output_tokens").as_int64(), 3);
}

TEST(RenderJson, AnthropicTruncated) {
  const auto plan = text_plan("a b c d e");
  const auto tokens = tokenize(plan, 2);
  std::string out;
  render_json(out, context(Dialect::anthropic), plan, tokens);
  const auto o = parse_object(out);
  EXPECT_EQ(str(o.at("stop_reason")), "max_tokens");
  EXPECT_EQ(str(o.at("content").as_array()[0].at("text")), "a b ");
  EXPECT_EQ(o.at("usage").at("output_tokens").as_int64(), 2);
}

TEST(RenderJson, AnthropicToolUse) {
  const auto plan = tool_plan("read_file", long_args);
  const auto tokens = tokenize(plan, 0);
  std::string out;
  render_json(out, context(Dialect::anthropic), plan, tokens);
  const auto o = parse_object(out);
  const auto& block = o.at("content").as_array().at(0);
  EXPECT_EQ(str(block.at("type")), "tool_use");
  EXPECT_EQ(str(block.at("id")), "toolu_test1");
  EXPECT_EQ(str(block.at("name")), "read_file");
  EXPECT_EQ(block.at("input"), json::parse(long_args));
  EXPECT_EQ(str(o.at("stop_reason")), "tool_use");
  EXPECT_EQ(o.at("usage").at("output_tokens").as_int64(),
            static_cast<std::int64_t>(tokens.pieces.size()));
}

TEST(RenderJson, OpenAIText) {
  const auto plan = text_plan("Hello from\nthe mock.");
  const auto tokens = tokenize(plan, 0);
  std::string out;
  render_json(out, context(Dialect::openai), plan, tokens);
  const auto o = parse_object(out);
  EXPECT_EQ(str(o.at("id")), "chatcmpl-test1");
  EXPECT_EQ(str(o.at("object")), "chat.completion");
  EXPECT_EQ(o.at("created").as_int64(), 1767225600);
  EXPECT_EQ(str(o.at("model")), "model-\"x\"");
  const auto& choices = o.at("choices").as_array();
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].at("index").as_int64(), 0);
  EXPECT_EQ(str(choices[0].at("message").at("role")), "assistant");
  EXPECT_EQ(str(choices[0].at("message").at("content")), plan.text);
  EXPECT_EQ(str(choices[0].at("finish_reason")), "stop");
  const auto& usage = o.at("usage");
  EXPECT_EQ(usage.at("prompt_tokens").as_int64(), 17);
  EXPECT_EQ(usage.at("completion_tokens").as_int64(), 4);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), 21);
}

TEST(RenderJson, OpenAITruncatedSaysLength) {
  const auto plan = text_plan("a b c d e");
  const auto tokens = tokenize(plan, 4);
  std::string out;
  render_json(out, context(Dialect::openai), plan, tokens);
  const auto o = parse_object(out);
  EXPECT_EQ(str(o.at("choices").as_array()[0].at("finish_reason")), "length");
  EXPECT_EQ(o.at("usage").at("completion_tokens").as_int64(), 4);
}

TEST(RenderJson, OpenAIToolCall) {
  const auto plan = tool_plan("grep", long_args);
  const auto tokens = tokenize(plan, 0);
  std::string out;
  render_json(out, context(Dialect::openai), plan, tokens);
  const auto o = parse_object(out);
  const auto& message = o.at("choices").as_array()[0].at("message");
  EXPECT_TRUE(message.at("content").is_null());
  const auto& calls = message.at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(str(calls[0].at("id")), "call_test1");
  EXPECT_EQ(str(calls[0].at("type")), "function");
  EXPECT_EQ(str(calls[0].at("function").at("name")), "grep");
  // Arguments travel as a JSON string holding the object.
  EXPECT_EQ(str(calls[0].at("function").at("arguments")), long_args);
  EXPECT_EQ(str(o.at("choices").as_array()[0].at("finish_reason")), "tool_calls");
}

// ---- Anthropic streams ----

struct Rendered {
  std::string out;
  std::vector<std::size_t> ends;
  ReplyTokens tokens;
};

Rendered stream(const ReplyContext& ctx, const ReplyPlan& plan, std::int64_t max_tokens = 0) {
  Rendered r;
  r.tokens = tokenize(plan, max_tokens);
  render_stream(r.out, r.ends, ctx, plan, r.tokens);
  return r;
}

// Token ends are increasing, one per token, and the last closes the stream.
void check_token_ends(const Rendered& r) {
  ASSERT_EQ(r.ends.size(), std::max<std::size_t>(1, r.tokens.pieces.size()));
  for (std::size_t i = 1; i < r.ends.size(); ++i) {
    EXPECT_LT(r.ends[i - 1], r.ends[i]);
  }
  EXPECT_EQ(r.ends.back(), r.out.size());
  // Each cut falls on a frame boundary.
  for (auto end : r.ends) {
    ASSERT_GE(end, 2u);
    EXPECT_EQ(r.out.substr(end - 2, 2), "\n\n");
  }
}

TEST(RenderStream, AnthropicTextEventsInOrder) {
  const auto plan = text_plan("The quick brown fox.");
  const auto r = stream(context(Dialect::anthropic), plan);
  check_token_ends(r);
  const auto frames = parse_sse(r.out);
  std::vector<std::string> names;
  std::string text;
  for (const auto& f : frames) {
    names.push_back(f.event);
    const auto data = parse_object(f.data);
    EXPECT_EQ(str(data.at("type")), f.event) << "event name and data type must agree";
    if (f.event == "content_block_delta") {
      EXPECT_EQ(data.at("index").as_int64(), 0);
      EXPECT_EQ(str(data.at("delta").at("type")), "text_delta");
      text += str(data.at("delta").at("text"));
    }
  }
  const std::vector<std::string> expected = {
      "message_start",       "content_block_start", "ping",
      "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_delta", "content_block_stop",  "message_delta",
      "message_stop"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(text, plan.text);

  const auto start = parse_object(frames[0].data).at("message");
  EXPECT_EQ(str(start.at("id")), "msg_test1");
  EXPECT_EQ(str(start.at("role")), "assistant");
  EXPECT_EQ(str(start.at("model")), "model-\"x\"");
  EXPECT_TRUE(start.at("content").as_array().empty());
  EXPECT_TRUE(start.at("stop_reason").is_null());
  EXPECT_EQ(start.at("usage").at("input_tokens").as_int64(), 17);
  const auto block = parse_object(frames[1].data).at("content_block");
  EXPECT_EQ(str(block.at("type")), "text");
  EXPECT_EQ(str(block.at("text")), "");
  const auto delta = parse_object(frames[8].data);
  EXPECT_EQ(str(delta.at("delta").at("stop_reason")), "end_turn");
  EXPECT_EQ(delta.at("usage").at("output_tokens").as_int64(), 4);

  // The first token carries the opening frames; the last carries the closing ones.
  EXPECT_EQ(parse_sse(std::string_view(r.out).substr(0, r.ends[0])).size(), 4u);
  EXPECT_EQ(parse_sse(std::string_view(r.out).substr(r.ends[2])).size(), 4u);
}

TEST(RenderStream, AnthropicTruncatedStopsWithMaxTokens) {
  const auto r = stream(context(Dialect::anthropic), text_plan("a b c d e f"), 3);
  const auto frames = parse_sse(r.out);
  ASSERT_GE(frames.size(), 2u);
  const auto delta = parse_object(frames[frames.size() - 2].data);
  EXPECT_EQ(str(delta.at("type")), "message_delta");
  EXPECT_EQ(str(delta.at("delta").at("stop_reason")), "max_tokens");
  EXPECT_EQ(delta.at("usage").at("output_tokens").as_int64(), 3);
}

TEST(RenderStream, AnthropicToolUseArgumentsInFragments) {
  const auto plan = tool_plan("read_file", long_args);
  const auto r = stream(context(Dialect::anthropic), plan);
  check_token_ends(r);
  const auto frames = parse_sse(r.out);
  ASSERT_GE(frames.size(), 3u);
  const auto block = parse_object(frames[1].data);
  EXPECT_EQ(str(block.at("type")), "content_block_start");
  EXPECT_EQ(str(block.at("content_block").at("type")), "tool_use");
  EXPECT_EQ(str(block.at("content_block").at("id")), "toolu_test1");
  EXPECT_EQ(str(block.at("content_block").at("name")), "read_file");
  EXPECT_TRUE(block.at("content_block").at("input").as_object().empty());
  std::string args;
  int fragments = 0;
  std::string stop_reason;
  std::int64_t output_tokens = -1;
  for (const auto& f : frames) {
    const auto data = parse_object(f.data);
    if (f.event == "content_block_delta") {
      EXPECT_EQ(str(data.at("delta").at("type")), "input_json_delta");
      args += str(data.at("delta").at("partial_json"));
      ++fragments;
    } else if (f.event == "message_delta") {
      stop_reason = str(data.at("delta").at("stop_reason"));
      output_tokens = data.at("usage").at("output_tokens").as_int64();
    }
  }
  EXPECT_GE(fragments, 3);
  EXPECT_EQ(args, long_args);
  EXPECT_EQ(json::parse(args), json::parse(long_args));
  EXPECT_EQ(stop_reason, "tool_use");
  EXPECT_EQ(output_tokens, fragments);
  EXPECT_EQ(frames.back().event, "message_stop");
}

TEST(RenderStream, EmptyReplyStillFramesAndHasOneCut) {
  const auto r = stream(context(Dialect::anthropic), text_plan(""));
  ASSERT_EQ(r.ends.size(), 1u);
  EXPECT_EQ(r.ends[0], r.out.size());
  const auto frames = parse_sse(r.out);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.front().event, "message_start");
  EXPECT_EQ(frames.back().event, "message_stop");
}

// ---- OpenAI streams ----

std::vector<json::object> openai_chunks(const std::string& out, bool& saw_done) {
  std::vector<json::object> chunks;
  saw_done = false;
  for (const auto& f : parse_sse(out)) {
    EXPECT_TRUE(f.event.empty()) << "OpenAI frames are data-only";
    EXPECT_FALSE(saw_done) << "nothing may follow [DONE]";
    if (f.data == "[DONE]") {
      saw_done = true;
      continue;
    }
    chunks.push_back(parse_object(f.data));
  }
  return chunks;
}

TEST(RenderStream, OpenAITextChunks) {
  const auto plan = text_plan("Hello there, world");
  auto ctx = context(Dialect::openai);
  const auto r = stream(ctx, plan);
  check_token_ends(r);
  bool done = false;
  const auto chunks = openai_chunks(r.out, done);
  EXPECT_TRUE(done);
  ASSERT_EQ(chunks.size(), 5u);  // role, 3 words, finish
  for (const auto& c : chunks) {
    EXPECT_EQ(str(c.at("id")), "chatcmpl-test1");
    EXPECT_EQ(str(c.at("object")), "chat.completion.chunk");
    EXPECT_EQ(c.at("created").as_int64(), 1767225600);
    EXPECT_EQ(str(c.at("model")), "model-\"x\"");
    EXPECT_FALSE(c.contains("usage")) << "no usage field unless include_usage";
    ASSERT_EQ(c.at("choices").as_array().size(), 1u);
  }
  const auto& first = chunks[0].at("choices").as_array()[0];
  EXPECT_EQ(str(first.at("delta").at("role")), "assistant");
  EXPECT_TRUE(first.at("finish_reason").is_null());
  std::string text;
  for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
    const auto& choice = chunks[i].at("choices").as_array()[0];
    EXPECT_TRUE(choice.at("finish_reason").is_null());
    text += str(choice.at("delta").at("content"));
  }
  EXPECT_EQ(text, plan.text);
  const auto& last = chunks.back().at("choices").as_array()[0];
  EXPECT_EQ(str(last.at("finish_reason")), "stop");
  EXPECT_TRUE(last.at("delta").as_object().empty());
}

TEST(RenderStream, OpenAIUsageChunkWhenAsked) {
  auto ctx = context(Dialect::openai);
  ctx.include_usage = true;
  const auto r = stream(ctx, text_plan("a b c d e"), 2);
  check_token_ends(r);
  bool done = false;
  const auto chunks = openai_chunks(r.out, done);
  EXPECT_TRUE(done);
  ASSERT_EQ(chunks.size(), 5u);  // role, 2 words, finish, usage
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_TRUE(chunks[i].at("usage").is_null());
  }
  EXPECT_EQ(str(chunks[3].at("choices").as_array()[0].at("finish_reason")), "length");
  const auto& usage_chunk = chunks.back();
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  EXPECT_EQ(usage_chunk.at("usage").at("prompt_tokens").as_int64(), 17);
  EXPECT_EQ(usage_chunk.at("usage").at("completion_tokens").as_int64(), 2);
  EXPECT_EQ(usage_chunk.at("usage").at("total_tokens").as_int64(), 19);
}

TEST(RenderStream, OpenAIToolCallArgumentsInFragments) {
  const auto plan = tool_plan("grep", long_args);
  const auto r = stream(context(Dialect::openai), plan);
  check_token_ends(r);
  bool done = false;
  const auto chunks = openai_chunks(r.out, done);
  EXPECT_TRUE(done);
  ASSERT_GE(chunks.size(), 6u);
  const auto& role = chunks[0].at("choices").as_array()[0].at("delta");
  EXPECT_EQ(str(role.at("role")), "assistant");
  EXPECT_TRUE(role.at("content").is_null());
  const auto& head = chunks[1].at("choices").as_array()[0].at("delta").at("tool_calls").as_array();
  ASSERT_EQ(head.size(), 1u);
  EXPECT_EQ(head[0].at("index").as_int64(), 0);
  EXPECT_EQ(str(head[0].at("id")), "call_test1");
  EXPECT_EQ(str(head[0].at("type")), "function");
  EXPECT_EQ(str(head[0].at("function").at("name")), "grep");
  EXPECT_EQ(str(head[0].at("function").at("arguments")), "");
  std::string args;
  int fragments = 0;
  for (std::size_t i = 2; i + 1 < chunks.size(); ++i) {
    const auto& calls = chunks[i].at("choices").as_array()[0].at("delta").at("tool_calls").as_array();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].at("index").as_int64(), 0);
    EXPECT_FALSE(calls[0].as_object().contains("id")) << "only the first tool chunk names the call";
    args += str(calls[0].at("function").at("arguments"));
    ++fragments;
  }
  EXPECT_GE(fragments, 3);
  EXPECT_EQ(args, long_args);
  EXPECT_EQ(json::parse(args), json::parse(long_args));
  EXPECT_EQ(static_cast<std::size_t>(fragments), r.tokens.pieces.size());
  EXPECT_EQ(str(chunks.back().at("choices").as_array()[0].at("finish_reason")), "tool_calls");
}

// ---- errors and the small endpoints ----

TEST(RenderError, AnthropicShape) {
  struct Case {
    int status;
    std::string_view type;
  };
  for (const auto& c : {Case{400, "invalid_request_error"}, Case{401, "authentication_error"},
                        Case{404, "not_found_error"}, Case{413, "request_too_large"},
                        Case{429, "rate_limit_error"}, Case{500, "api_error"},
                        Case{529, "overloaded_error"}}) {
    std::string out;
    render_error(out, Dialect::anthropic, c.status, "bad \"thing\"\n", "req_abc");
    const auto o = parse_object(out);
    EXPECT_EQ(str(o.at("type")), "error");
    EXPECT_EQ(str(o.at("error").at("type")), c.type) << c.status;
    EXPECT_EQ(str(o.at("error").at("message")), "bad \"thing\"\n");
    EXPECT_EQ(str(o.at("request_id")), "req_abc");
  }
}

TEST(RenderError, OpenAIShape) {
  std::string out;
  render_error(out, Dialect::openai, 429, "slow down", "req_1", "tokens");
  auto o = parse_object(out);
  EXPECT_EQ(str(o.at("error").at("message")), "slow down");
  EXPECT_EQ(str(o.at("error").at("type")), "tokens");
  EXPECT_EQ(str(o.at("error").at("code")), "rate_limit_exceeded");
  EXPECT_TRUE(o.at("error").at("param").is_null());

  out.clear();
  render_error(out, Dialect::openai, 503, "busy", "req_1");
  o = parse_object(out);
  EXPECT_EQ(str(o.at("error").at("type")), "server_error");
  EXPECT_EQ(str(o.at("error").at("code")), "server_overloaded");

  out.clear();
  render_error(out, Dialect::openai, 400, "nope", "req_1");
  o = parse_object(out);
  EXPECT_EQ(str(o.at("error").at("type")), "invalid_request_error");
  EXPECT_TRUE(o.at("error").at("code").is_null());
}

TEST(RenderSmall, ModelsAndCountTokens) {
  std::string out;
  render_models(out, Dialect::anthropic);
  auto o = parse_object(out);
  ASSERT_FALSE(o.at("data").as_array().empty());
  EXPECT_EQ(str(o.at("data").as_array()[0].at("type")), "model");
  out.clear();
  render_models(out, Dialect::openai);
  o = parse_object(out);
  EXPECT_EQ(str(o.at("object")), "list");
  EXPECT_EQ(str(o.at("data").as_array()[0].at("object")), "model");
  out.clear();
  render_count_tokens(out, 1234);
  EXPECT_EQ(parse_object(out).at("input_tokens").as_int64(), 1234);
}

}  // namespace
}  // namespace spillway::sim
