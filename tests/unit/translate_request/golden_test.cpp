// Recorded request translations: golden/<client>_to_<upstream>/NAME.in.json is a client's
// request; NAME.out.json the body the upstream gets (compared as JSON values, numbers by
// value), NAME.dropped.txt the features reported dropped (one a line, any order), or instead
// NAME.error.txt a text the 400's message must contain. SPILLWAY_GOLDEN_UPDATE=1 rewrites the
// .out.json and .dropped.txt files from what the translator does now (review the diff).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dialect/translate_request.hpp"

namespace spillway::dialect {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const fs::path golden_dir = fs::path(__FILE__).parent_path() / "golden";
constexpr std::string_view upstream_model = "upstream-model";

struct Case {
  std::string name;  // <direction>/<NAME>
  Dialect client;
  Dialect upstream;
  fs::path base;  // golden/<direction>/NAME, without extension
};

// gtest prints parameters in test listings; the name says it all.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  std::vector<Case> out;
  for (auto [dir, client, upstream] : {std::tuple{"anthropic_to_openai", Dialect::anthropic, Dialect::openai},
                                       std::tuple{"openai_to_anthropic", Dialect::openai, Dialect::anthropic}}) {
    for (const auto& entry : fs::directory_iterator(golden_dir / dir)) {
      const std::string file = entry.path().filename().string();
      constexpr std::string_view suffix = ".in.json";
      if (file.size() > suffix.size() && file.ends_with(suffix)) {
        const std::string stem = file.substr(0, file.size() - suffix.size());
        out.push_back(Case{std::string(dir) + "/" + stem, client, upstream, golden_dir / dir / stem});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path with(const fs::path& base, std::string_view ext) { return fs::path(base.string() + std::string(ext)); }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "" when equal, else the path of the first difference and both values there.
std::string difference(const json::value& want, const json::value& got, const std::string& path) {
  if (want.is_number() && got.is_number()) {
    return want.to_number<double>() == got.to_number<double>()
               ? ""
               : path + ": want " + json::serialize(want) + ", got " + json::serialize(got);
  }
  if (want.kind() != got.kind()) {
    return path + ": want " + json::serialize(want) + ", got " + json::serialize(got);
  }
  if (want.is_object()) {
    const auto& w = want.get_object();
    const auto& g = got.get_object();
    for (const auto& kv : w) {
      const std::string at = path + "." + std::string(kv.key());
      if (!g.contains(kv.key())) {
        return at + ": missing";
      }
      if (auto d = difference(kv.value(), g.at(kv.key()), at); !d.empty()) {
        return d;
      }
    }
    for (const auto& kv : g) {
      if (!w.contains(kv.key())) {
        return path + "." + std::string(kv.key()) + ": unexpected " + json::serialize(kv.value());
      }
    }
    return "";
  }
  if (want.is_array()) {
    const auto& w = want.get_array();
    const auto& g = got.get_array();
    if (w.size() != g.size()) {
      return path + ": want " + std::to_string(w.size()) + " entries, got " + std::to_string(g.size()) + ": " +
             json::serialize(got);
    }
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (auto d = difference(w[i], g[i], path + "[" + std::to_string(i) + "]"); !d.empty()) {
        return d;
      }
    }
    return "";
  }
  return want == got ? "" : path + ": want " + json::serialize(want) + ", got " + json::serialize(got);
}

// Indented JSON for the update mode, so recorded files read (and diff) well.
void pretty(std::ostream& os, const json::value& v, int indent) {
  const std::string pad(indent * 2, ' ');
  const std::string inner((indent + 1) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    os << "{\n";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      os << (first ? "" : ",\n") << inner << json::serialize(json::value(kv.key())) << ": ";
      pretty(os, kv.value(), indent + 1);
      first = false;
    }
    os << "\n" << pad << "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    os << "[\n";
    bool first = true;
    for (const auto& item : v.get_array()) {
      os << (first ? "" : ",\n") << inner;
      pretty(os, item, indent + 1);
      first = false;
    }
    os << "\n" << pad << "]";
  } else if (v.is_double()) {
    // Shortest text that reads back the same: 0.3, not serialize()'s 3E-1.
    char text[32];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(text, sizeof text, "%.*g", precision, v.get_double());
      if (std::strtod(text, nullptr) == v.get_double()) {
        break;
      }
    }
    os << text;
  } else {
    os << json::serialize(v);
  }
}

class Golden : public testing::TestWithParam<Case> {};

TEST_P(Golden, TranslatesAsRecorded) {
  const Case& c = GetParam();
  const auto in = json::parse(read(with(c.base, ".in.json")));
  auto result = translate_request(c.client, c.upstream, in, upstream_model);

  if (fs::exists(with(c.base, ".error.txt"))) {
    std::string want = read(with(c.base, ".error.txt"));
    want.erase(want.find_last_not_of("\r\n") + 1);
    ASSERT_TRUE(std::holds_alternative<ApiError>(result)) << "translated instead of refusing";
    const auto& e = std::get<ApiError>(result);
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.kind, ErrorKind::invalid_request);
    EXPECT_NE(e.message.find(want), std::string::npos) << "message: " << e.message;
    return;
  }
  ASSERT_TRUE(std::holds_alternative<RequestTranslation>(result))
      << "refused: " << std::get<ApiError>(result).message;
  const auto& t = std::get<RequestTranslation>(result);
  const auto got = json::parse(t.body);
  auto dropped = t.dropped;
  std::sort(dropped.begin(), dropped.end());

  if (std::getenv("SPILLWAY_GOLDEN_UPDATE")) {
    std::ofstream out(with(c.base, ".out.json"), std::ios::binary | std::ios::trunc);
    pretty(out, got, 0);
    out << "\n";
    std::ofstream names(with(c.base, ".dropped.txt"), std::ios::binary | std::ios::trunc);
    for (const auto& n : dropped) {
      names << n << "\n";
    }
    GTEST_SKIP() << "recorded";
  }

  ASSERT_TRUE(fs::exists(with(c.base, ".out.json"))) << "no .out.json or .error.txt";
  ASSERT_TRUE(fs::exists(with(c.base, ".dropped.txt"))) << "no .dropped.txt (empty when nothing is dropped)";
  const auto want = json::parse(read(with(c.base, ".out.json")));
  EXPECT_EQ(difference(want, got, "$"), "") << "body: " << t.body;
  EXPECT_EQ(lines(read(with(c.base, ".dropped.txt"))), dropped);
  // Each name once: the header lists them comma-separated.
  EXPECT_EQ(std::adjacent_find(dropped.begin(), dropped.end()), dropped.end());
}

INSTANTIATE_TEST_SUITE_P(Requests, Golden, testing::ValuesIn(cases()), [](const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  std::replace_if(name.begin(), name.end(), [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
  return name;
});

// The runner must see the recorded cases at all (a missing folder would pass vacuously).
TEST(GoldenFiles, BothDirectionsHaveCases) {
  const auto all = cases();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const Case& c) { return c.client == Dialect::anthropic; }));
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const Case& c) { return c.client == Dialect::openai; }));
}

}  // namespace
}  // namespace spillway::dialect
