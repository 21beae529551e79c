#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

#include "dialect/request_info.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;

// Splits `after` against `before` into the longest common prefix and suffix, returning the
// two differing middles. Used to prove that a rewrite touched exactly one span.
struct Diff {
  std::string_view before_middle;
  std::string_view after_middle;
  std::size_t at;
};

Diff diff(std::string_view before, std::string_view after) {
  std::size_t prefix = 0;
  while (prefix < before.size() && prefix < after.size() && before[prefix] == after[prefix]) {
    ++prefix;
  }
  std::size_t suffix = 0;
  while (suffix < before.size() - prefix && suffix < after.size() - prefix &&
         before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix]) {
    ++suffix;
  }
  return {before.substr(prefix, before.size() - prefix - suffix),
          after.substr(prefix, after.size() - prefix - suffix), prefix};
}

// The same document with its top-level model removed, to compare everything else.
json::value without_model(std::string_view body) {
  json::value v = json::parse(body);
  v.as_object().erase("model");
  return v;
}

TEST(RewriteModel, KeepsEveryOtherByteOfAWeirdBody) {
  // Weird whitespace, escapes in keys and strings, nested "model" keys, a string that contains
  // a fake "model": member, and the real "model" key after "messages".
  std::string body =
      "\r\n\t {  \"messages\" :\t[ {\"role\":\"user\", \"model\" : \"nested-a\", "
      "\"content\":\"say \\\"model\\\": \\\"x\\\" \\\\\\\" \\u00e9 \\ud83d\\ude00\"},\n"
      "  {\"content\":[{\"type\":\"text\",\"text\":\"{\\\"model\\\":\\\"fake\\\"}\","
      "\"metadata\":{\"model\":\"nested-b\"}}]}],"
      "\n\n  \"mod\\u0065l_hint\"  :  \"not-it\" ,"
      "\"tools\":[{\"name\":\"t\",\"input_schema\":{\"properties\":{\"model\":{\"type\":"
      "\"string\"}}}}],\r\n"
      "   \"model\"   :\r\n  \"claude-old\"  ,  \"stream\":true , \"x\" : [ ] \n}\r\n  ";
  ASSERT_TRUE(std::holds_alternative<RequestInfo>(parse_request(Dialect::anthropic, body)));
  std::string out = rewrite_model(body, "claude-new");
  Diff d = diff(body, out);
  EXPECT_EQ(d.before_middle, "old");
  EXPECT_EQ(d.after_middle, "new");
  EXPECT_EQ(d.at, body.find("\"claude-old\"") + 8);
  EXPECT_EQ(json::parse(out).at("model").as_string(), "claude-new");
  EXPECT_EQ(without_model(out), without_model(body));
}

TEST(RewriteModel, ReplacesTheWholeValueSpan) {
  std::string body = R"({"messages":[{"model":"keep"}],"model":"a","z":1})";
  std::string out = rewrite_model(body, "a-much-longer-name");
  EXPECT_EQ(out, R"({"messages":[{"model":"keep"}],"model":"a-much-longer-name","z":1})");
  out = rewrite_model(R"({"model":"a-much-longer-name"})", "b");
  EXPECT_EQ(out, R"({"model":"b"})");
}

TEST(RewriteModel, EscapesTheNewName) {
  std::string body = R"({"model":"m"})";
  std::string name = "we\"ird\\name\n\x01 \xc3\xa9";
  std::string out = rewrite_model(body, name);
  EXPECT_EQ(json::parse(out).at("model").as_string(), name);
  Diff d = diff(body, out);
  EXPECT_EQ(d.after_middle.find('\n'), std::string_view::npos);
}

TEST(RewriteModel, EscapedModelKeyIsRewritten) {
  std::string body = R"({"a":"model","mod\u0065l":"old","b":{"model":"nested"}})";
  std::string out = rewrite_model(body, "new");
  EXPECT_EQ(out, R"({"a":"model","mod\u0065l":"new","b":{"model":"nested"}})");
}

TEST(RewriteModel, KeysThatOnlyLookLikeModelAreLeftAlone) {
  std::string body = R"({"model_x":"a","Model":"b","xmodel":"c","mo\"del":"d","model":"e"})";
  std::string out = rewrite_model(body, "N");
  EXPECT_EQ(out, R"({"model_x":"a","Model":"b","xmodel":"c","mo\"del":"d","model":"N"})");
}

TEST(RewriteModel, SameNameReturnsBodyUnchanged) {
  std::string body = "{ \"model\" : \"same\" , \"x\": [1, 2] }";
  EXPECT_EQ(rewrite_model(body, "same"), body);
  // Spelled with an escape but meaning the same name: the client's bytes are kept.
  std::string escaped = R"({"model":"s\u0061me"})";
  EXPECT_EQ(rewrite_model(escaped, "same"), escaped);
}

TEST(RewriteModel, DifferentEscapedNameIsReplaced) {
  std::string out = rewrite_model(R"({"model":"s\u0061me"})", "other");
  EXPECT_EQ(out, R"({"model":"other"})");
}

TEST(RewriteModel, EveryTopLevelDuplicateIsReplaced) {
  // parse_request refuses such bodies; rewriting all keeps the gateway and the upstream from
  // ever reading different names even if a caller skips it.
  std::string out = rewrite_model(R"({"model":"a","x":{"model":"k"},"model":"b"})", "c");
  EXPECT_EQ(out, R"({"model":"c","x":{"model":"k"},"model":"c"})");
}

TEST(RewriteModel, NoModelOrMalformedBodyPassesThrough) {
  for (std::string_view body :
       {R"({"messages":[{"model":"x"}]})", R"([{"model":"x"}])", R"({"model":"x")",
        R"({"model" "x"})", "", R"({"a":"unterminated)"}) {
    EXPECT_EQ(rewrite_model(body, "new"), body);
  }
}

// Property check on generated bodies: the rewrite must equal a DOM-level edit, and only the
// top-level model value's bytes may change.
TEST(RewriteModel, MatchesDomEditOnGeneratedBodies) {
  std::mt19937 rng(12345);
  auto pick = [&](std::initializer_list<const char*> options) {
    auto it = options.begin();
    std::advance(it, rng() % options.size());
    return std::string(*it);
  };
  auto ws = [&] { return pick({"", " ", "\n", "\t  ", "\r\n "}); };
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> members = {
        "\"messages\"" + ws() + ":" + ws() + "[{\"model\":\"n\",\"content\":\"" +
            pick({"a", "\\\"", "\\\\", "\\u0022model\\u0022", "}]{["}) + "\"}]",
        "\"system\":" + ws() + pick({"\"s\"", "[]", "{\"model\":{\"model\":\"q\"}}", "null"}),
        "\"n\":" + pick({"1", "-2.5e3", "true", "false", "[1,[2,[3]]]"}),
        pick({"\"model\"", "\"mod\\u0065l\"", "\"\\u006dodel\""}) + ws() + ":" + ws() +
            pick({"\"old\"", "\"o\\\"ld\"", "\"\\u00e9\"", "\"\""}),
    };
    std::shuffle(members.begin(), members.end(), rng);
    std::string body = ws() + "{" + ws();
    for (std::size_t i = 0; i < members.size(); ++i) {
      body += (i ? "," + ws() : "") + members[i] + ws();
    }
    body += "}" + ws();
    std::string name = pick({"new", "x\"y", "old", "\xc3\xa9"});
    std::string out = rewrite_model(body, name);
    json::value expected = json::parse(body);
    expected.as_object()["model"] = name;
    EXPECT_EQ(json::parse(out), expected) << body;
    Diff d = diff(body, out);
    // The differing bytes lie inside the model value: everything before them ends in the
    // model key and colon (plus whitespace and possibly part of the old value).
    if (!d.before_middle.empty() || !d.after_middle.empty()) {
      std::string_view before_prefix = std::string_view(body).substr(0, d.at);
      EXPECT_EQ(json::parse(out).at("model").as_string(), name);
      std::size_t colon = before_prefix.find_last_of(':');
      ASSERT_NE(colon, std::string_view::npos);
      std::string_view key_part = before_prefix.substr(0, colon);
      while (!key_part.empty() && (key_part.back() == ' ' || key_part.back() == '\n' ||
                                   key_part.back() == '\t' || key_part.back() == '\r')) {
        key_part.remove_suffix(1);
      }
      EXPECT_TRUE(key_part.ends_with("\"model\"") || key_part.ends_with("\"mod\\u0065l\"") ||
                  key_part.ends_with("\"\\u006dodel\""))
          << body << "\n" << out;
    }
  }
}

}  // namespace
}  // namespace spillway::dialect
