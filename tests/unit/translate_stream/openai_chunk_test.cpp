#include "dialect/openai_chunk.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

// The SAX reader must agree with the DOM reader on every chunk it accepts.
void expect_same(std::string_view text) {
  SCOPED_TRACE(std::string(text));
  OpenAiChunkReader reader;
  OpenAiChunk sax;
  ASSERT_EQ(reader.read(text, sax), ChunkRead::ok);
  OpenAiChunk dom;
  from_dom(json::parse(text).as_object(), dom);
  EXPECT_EQ(sax.usage, dom.usage);
  EXPECT_EQ(sax.prompt_tokens, dom.prompt_tokens);
  EXPECT_EQ(sax.completion_tokens, dom.completion_tokens);
  EXPECT_EQ(sax.cached_tokens, dom.cached_tokens);
  EXPECT_EQ(sax.cache_write_tokens, dom.cache_write_tokens);
  EXPECT_EQ(sax.has_choice_list, dom.has_choice_list);
  EXPECT_EQ(sax.choice, dom.choice);
  EXPECT_EQ(sax.content, dom.content);
  EXPECT_EQ(sax.refusal, dom.refusal);
  EXPECT_EQ(sax.reasoning, dom.reasoning);
  EXPECT_EQ(sax.finish, dom.finish);
  EXPECT_EQ(sax.finish_reason, dom.finish_reason);
  ASSERT_EQ(sax.tool_call_count, dom.tool_call_count);
  for (std::size_t i = 0; i < sax.tool_call_count; ++i) {
    EXPECT_EQ(sax.tool_calls[i].index, dom.tool_calls[i].index);
    EXPECT_EQ(sax.tool_calls[i].id, dom.tool_calls[i].id);
    EXPECT_EQ(sax.tool_calls[i].name, dom.tool_calls[i].name);
    EXPECT_EQ(sax.tool_calls[i].arguments, dom.tool_calls[i].arguments);
  }
}

TEST(OpenAiChunkReader, AgreesWithDomOnRealShapes) {
  const std::vector<std::string> chunks = {
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"q","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null})",
      R"({"choices":[{"index":0,"delta":{"content":"lo \"world\"\n\u00e9\ud83d\ude00"},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Let me "},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{"reasoning":"hmm"},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{"content":null,"refusal":"I can't"},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"both"}}]})",
      R"({"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":18,"total_tokens":138,"prompt_tokens_details":{"cached_tokens":64,"cache_write_tokens":3}}})",
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":30.0,"completion_tokens":9}})",
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Bash","arguments":""}},{"index":1,"id":"call_2","function":{"name":"Read","arguments":"{\"pa"}}]}}]})",
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\": \"a\\\"b\"}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[7,{"function":"x"},{"id":5}]}}]})",
      R"({"choices":[{"index":1,"delta":{"content":"second"}},{"index":0,"delta":{"content":"first"}}]})",
      R"({"choices":[{"delta":{"content":"late index"},"index":0}]})",
      R"({"choices":[{"delta":{"content":"x"},"index":2}]})",
      R"({"choices":"nope","usage":{"prompt_tokens":"many"}})",
      R"({"choices":[1,"a",null,{"index":0,"delta":{"content":["not","a","string"]},"finish_reason":7}]})",
      R"({"weird":{"choices":[{"index":0,"delta":{"content":"nested, ignored"}}]},"choices":[{"index":0,"delta":{"c\u006fntent":"escaped key"}}]})",
      R"(  {"choices":[{"index":0,"delta":{"content":"spaces"}}]}  )",
  };
  for (const auto& c : chunks) {
    expect_same(c);
  }
}

TEST(OpenAiChunkReader, LongEscapedStringsArriveWhole) {
  std::string content;
  for (int i = 0; i < 3000; ++i) {
    content += "a\\n\\\"";
  }
  expect_same(R"({"choices":[{"index":0,"delta":{"content":")" + content + R"("}}]})");
}

TEST(OpenAiChunkReader, MalformedAndNonObjects) {
  OpenAiChunkReader reader;
  OpenAiChunk c;
  EXPECT_EQ(reader.read(R"({"choices":[)", c), ChunkRead::malformed);
  EXPECT_EQ(reader.read("", c), ChunkRead::malformed);
  EXPECT_EQ(reader.read("5", c), ChunkRead::malformed);
  EXPECT_EQ(reader.read(R"(["a"])", c), ChunkRead::malformed);
  EXPECT_EQ(reader.read(R"({"a":1} x)", c), ChunkRead::malformed);
  EXPECT_EQ(reader.read(R"({"a":1}{"b":2})", c), ChunkRead::malformed);
  // The reader is reusable after a failure.
  EXPECT_EQ(reader.read(R"({"choices":[{"index":0,"delta":{"content":"ok"}}]})", c), ChunkRead::ok);
  EXPECT_EQ(c.content, "ok");
}

TEST(OpenAiChunkReader, ErrorBodiesAndObjectArgumentsGoToTheDom) {
  OpenAiChunkReader reader;
  OpenAiChunk c;
  EXPECT_EQ(reader.read(R"({"error":{"message":"boom"}})", c), ChunkRead::needs_dom);
  EXPECT_EQ(reader.read(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":{"a":1}}}]}}]})", c),
            ChunkRead::needs_dom);
  from_dom(json::parse(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":{"a":1}}}]}}]})")
               .as_object(),
           c);
  ASSERT_EQ(c.tool_call_count, 1u);
  EXPECT_EQ(c.tool_calls[0].arguments, R"({"a":1})");
}

}  // namespace
}  // namespace spillway::dialect
