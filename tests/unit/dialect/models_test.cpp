#include "dialect/models.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace spillway::dialect {
namespace {

namespace json = boost::json;

const std::vector<ModelEntry> two = {{"claude-sonnet-4-5", "anthropic-main"},
                                     {"qwen\"3", "local"}};

TEST(ModelsBody, Anthropic) {
  json::value v = json::parse(models_body(Dialect::anthropic, two));
  const json::array& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  for (std::size_t i = 0; i < two.size(); ++i) {
    EXPECT_EQ(data[i].at("type").as_string(), "model");
    EXPECT_EQ(data[i].at("id").as_string(), two[i].id);
    EXPECT_EQ(data[i].at("display_name").as_string(), two[i].id);
    EXPECT_EQ(data[i].at("created_at").as_string(), "2025-01-01T00:00:00Z");
  }
  EXPECT_EQ(v.at("has_more").as_bool(), false);
  EXPECT_EQ(v.at("first_id").as_string(), two.front().id);
  EXPECT_EQ(v.at("last_id").as_string(), two.back().id);
}

TEST(ModelsBody, AnthropicEmpty) {
  EXPECT_EQ(models_body(Dialect::anthropic, {}),
            R"({"data":[],"has_more":false,"first_id":null,"last_id":null})");
}

TEST(ModelsBody, OpenAi) {
  json::value v = json::parse(models_body(Dialect::openai, two));
  EXPECT_EQ(v.at("object").as_string(), "list");
  const json::array& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  for (std::size_t i = 0; i < two.size(); ++i) {
    EXPECT_EQ(data[i].at("id").as_string(), two[i].id);
    EXPECT_EQ(data[i].at("object").as_string(), "model");
    EXPECT_EQ(data[i].at("created").as_int64(), 0);
    EXPECT_EQ(data[i].at("owned_by").as_string(), two[i].owned_by);
  }
}

TEST(ModelsBody, OpenAiExactShape) {
  EXPECT_EQ(models_body(Dialect::openai, {{"m", "up"}}),
            R"({"object":"list","data":[{"id":"m","object":"model","created":0,"owned_by":"up"}]})");
  EXPECT_EQ(models_body(Dialect::openai, {}), R"({"object":"list","data":[]})");
}

TEST(ModelBody, SingleEntryMatchesListEntry) {
  for (Dialect d : {Dialect::anthropic, Dialect::openai}) {
    json::value list = json::parse(models_body(d, two));
    EXPECT_EQ(json::parse(model_body(d, two[1])), list.at("data").at(1));
  }
}

}  // namespace
}  // namespace spillway::dialect
