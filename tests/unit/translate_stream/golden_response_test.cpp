// Golden tests for whole (non-streaming) responses and error bodies (issue 3): every case in
// golden_response/ is an upstream body (NAME.upstream.json, or NAME.upstream.txt for bodies
// that are not JSON), its settings (NAME.options) and the body the client must receive
// (NAME.expected.json). Bodies are compared as JSON (key order and spacing do not matter).
//
// NAME.options, one key=value a line (# starts a comment):
//   direction=openai_to_anthropic | anthropic_to_openai   parse_*_response -> emit_*_response
//                                                          (an ApiError is rendered with error_body)
//   direction=error  from=openai|anthropic  to=openai|anthropic  status=N   translate_error_body
//   client_model=...
//   disabled=REASON   registers the case as DISABLED_ (output believed wrong; see REASON)
//
// Values the translator generates are matched by placeholders in the expected file, so each
// ignored field is named explicitly: "<generated:PREFIX>" is any id PREFIX[A-Za-z0-9_-]+ and
// "<unix-time>" any positive integer.
//
// Rewriting the expected files from the current implementation (placeholders already in a file
// are kept; check the result by eye):
//   SPILLWAY_GOLDEN_UPDATE=1 build-golden/unit_translate_stream --gtest_filter='GoldenResponse.*'
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "dialect/errors.hpp"
#include "dialect/translate_response.hpp"

namespace spillway::dialect {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path golden_dir = fs::path(__FILE__).parent_path() / "golden_response";

bool update_mode() {
  const char* v = std::getenv("SPILLWAY_GOLDEN_UPDATE");
  return v != nullptr && std::string_view(v) == "1";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<std::string, std::string> read_options(const fs::path& p) {
  std::map<std::string, std::string> opts;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto eq = line.find('=');
    if (eq != std::string::npos) {
      opts[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return opts;
}

struct Case {
  std::string name;
  std::map<std::string, std::string> opts;
  std::string upstream;
  fs::path expected_path;

  std::string opt(const std::string& key) const {
    auto it = opts.find(key);
    return it == opts.end() ? "" : it->second;
  }
};

Dialect dialect_of(const std::string& s) { return s == "anthropic" ? Dialect::anthropic : Dialect::openai; }

// What the gateway sends the client for this case, as text.
std::string translate(const Case& c) {
  const std::string direction = c.opt("direction");
  if (direction == "error") {
    return translate_error_body(dialect_of(c.opt("from")), dialect_of(c.opt("to")), std::stoi(c.opt("status")),
                                c.upstream);
  }
  const bool to_anthropic = direction == "openai_to_anthropic";
  json::value body = json::parse(c.upstream);
  auto parsed = to_anthropic ? parse_openai_response(body) : parse_anthropic_response(body);
  const Dialect client = to_anthropic ? Dialect::anthropic : Dialect::openai;
  if (auto* error = std::get_if<ApiError>(&parsed)) {
    return error_body(client, *error);
  }
  const auto& response = std::get<core::Response>(parsed);
  return to_anthropic ? emit_anthropic_response(response, c.opt("client_model"))
                      : emit_openai_response(response, c.opt("client_model"));
}

bool is_placeholder(const json::value& v) {
  return v.is_string() && (v.as_string().starts_with("<generated:") || v.as_string() == "<unix-time>");
}

bool placeholder_matches(std::string_view placeholder, const json::value& got) {
  if (placeholder == "<unix-time>") {
    return got.is_int64() && got.as_int64() > 0;
  }
  std::string_view prefix = placeholder.substr(11, placeholder.size() - 12);  // inside <generated:...>
  if (!got.is_string() || !got.as_string().starts_with(prefix)) {
    return false;
  }
  static const std::regex rest("[A-Za-z0-9_-]+");
  return std::regex_match(std::string(got.as_string()).substr(prefix.size()), rest);
}

// Every difference between `want` (with placeholders) and `got`, one line each with its path.
void compare(const json::value& want, const json::value& got, const std::string& path,
             std::vector<std::string>& diffs) {
  if (is_placeholder(want)) {
    if (!placeholder_matches(want.as_string(), got)) {
      diffs.push_back(path + ": " + json::serialize(got) + " does not match " + json::serialize(want));
    }
    return;
  }
  if (want.is_object() && got.is_object()) {
    for (const auto& [key, value] : want.as_object()) {
      const json::value* g = got.as_object().if_contains(key);
      if (g == nullptr) {
        diffs.push_back(path + "." + std::string(key) + ": missing");
      } else {
        compare(value, *g, path + "." + std::string(key), diffs);
      }
    }
    for (const auto& [key, value] : got.as_object()) {
      if (!want.as_object().contains(key)) {
        diffs.push_back(path + "." + std::string(key) + ": unexpected " + json::serialize(value));
      }
    }
    return;
  }
  if (want.is_array() && got.is_array() && want.as_array().size() == got.as_array().size()) {
    for (std::size_t i = 0; i < want.as_array().size(); ++i) {
      compare(want.as_array()[i], got.as_array()[i], path + "[" + std::to_string(i) + "]", diffs);
    }
    return;
  }
  if (want != got) {
    diffs.push_back(path + ": expected " + json::serialize(want) + ", got " + json::serialize(got));
  }
}

// For update mode: the actual value, keeping the placeholders the old expected file had.
json::value keep_placeholders(const json::value& got, const json::value* old) {
  if (old != nullptr && is_placeholder(*old)) {
    return *old;
  }
  if (got.is_object()) {
    json::object out;
    for (const auto& [key, value] : got.as_object()) {
      const json::value* o = (old != nullptr && old->is_object()) ? old->as_object().if_contains(key) : nullptr;
      out[key] = keep_placeholders(value, o);
    }
    return out;
  }
  if (got.is_array()) {
    json::array out;
    for (std::size_t i = 0; i < got.as_array().size(); ++i) {
      const json::value* o = (old != nullptr && old->is_array() && i < old->as_array().size()) ? &old->as_array()[i]
                                                                                                  : nullptr;
      out.push_back(keep_placeholders(got.as_array()[i], o));
    }
    return out;
  }
  return got;
}

void pretty(const json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.as_object()) {
      out += first ? "" : ",\n";
      first = false;
      out += pad + json::serialize(json::value(key)) + ": ";
      pretty(value, out, indent + 2);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const json::value& item : v.as_array()) {
      out += first ? "" : ",\n";
      first = false;
      out += pad;
      pretty(item, out, indent + 2);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "]";
  } else {
    out += json::serialize(v);
  }
}

void run_response_case(const Case& c) {
  const std::string direction = c.opt("direction");
  ASSERT_TRUE(direction == "openai_to_anthropic" || direction == "anthropic_to_openai" || direction == "error")
      << "bad direction";
  const std::string text = translate(c);
  json::error_code ec;
  json::value got = json::parse(text, ec);
  ASSERT_FALSE(ec) << "the client body is not JSON: " << text;
  if (update_mode() && !c.opts.contains("disabled")) {  // a disabled case keeps its hand-written expectation
    json::value old;
    if (fs::exists(c.expected_path)) {
      old = json::parse(read_file(c.expected_path), ec);
    }
    std::string out;
    pretty(keep_placeholders(got, ec ? nullptr : &old), out, 0);
    std::ofstream(c.expected_path, std::ios::binary | std::ios::trunc) << out << "\n";
  }
  ASSERT_TRUE(fs::exists(c.expected_path)) << c.expected_path << " missing (SPILLWAY_GOLDEN_UPDATE=1 writes it)";
  json::value want = json::parse(read_file(c.expected_path), ec);
  ASSERT_FALSE(ec) << c.expected_path << " is not JSON";
  std::vector<std::string> diffs;
  compare(want, got, "$", diffs);
  std::string all;
  for (const std::string& d : diffs) {
    all += "\n  " + d;
  }
  EXPECT_TRUE(diffs.empty()) << "client body differs from " << c.expected_path.filename() << ":" << all
                             << "\n  body: " << text;
}

class GoldenResponseTest : public testing::Test {
 public:
  explicit GoldenResponseTest(Case c) : case_(std::move(c)) {}
  void TestBody() override { run_response_case(case_); }

 private:
  Case case_;
};

class MissingGoldenResponseDir : public testing::Test {
 public:
  void TestBody() override { FAIL() << "no golden cases found in " << golden_dir; }
};

// One test per NAME.options, registered before main() so ctest lists each case by name.
[[maybe_unused]] const bool registered = [] {
  std::vector<fs::path> cases;
  if (fs::is_directory(golden_dir)) {
    for (const auto& entry : fs::directory_iterator(golden_dir)) {
      if (entry.path().extension() == ".options") {
        cases.push_back(entry.path());
      }
    }
  }
  std::sort(cases.begin(), cases.end());
  if (cases.empty()) {
    testing::RegisterTest("GoldenResponse", "NoCases", nullptr, nullptr, __FILE__, __LINE__,
                          []() -> testing::Test* { return new MissingGoldenResponseDir; });
  }
  for (const fs::path& options : cases) {
    Case c;
    c.name = options.stem().string();
    c.opts = read_options(options);
    fs::path json_body = golden_dir / (c.name + ".upstream.json");
    c.upstream = read_file(fs::exists(json_body) ? json_body : golden_dir / (c.name + ".upstream.txt"));
    c.expected_path = golden_dir / (c.name + ".expected.json");
    std::string test_name = (c.opts.contains("disabled") ? "DISABLED_" : "") + c.name;
    testing::RegisterTest("GoldenResponse", test_name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [c]() -> testing::Test* { return new GoldenResponseTest(c); });
  }
  return true;
}();

TEST(GoldenResponseCompare, PlaceholdersAndDifferencesAreReported) {
  std::vector<std::string> diffs;
  compare(json::parse(R"({"id":"<generated:msg_>","created":"<unix-time>","a":[1,{"b":null}]})"),
          json::parse(R"({"a":[1,{"b":null}],"created":1767225600,"id":"msg_Ab3_x"})"), "$", diffs);
  EXPECT_TRUE(diffs.empty());
  compare(json::parse(R"({"id":"<generated:msg_>","created":"<unix-time>","a":[1]})"),
          json::parse(R"({"id":"chatcmpl-1","created":"x","a":[2],"extra":0})"), "$", diffs);
  EXPECT_EQ(diffs.size(), 4u);  // id prefix, created type, a[0], extra
}

}  // namespace
}  // namespace spillway::dialect
