// The page's files compiled into the binary: each path served, with its type, nothing else.
#include <gtest/gtest.h>

#include "dashboard/assets.hpp"

namespace spillway::dashboard {
namespace {

TEST(Assets, ThePageAndItsFilesAreEmbedded) {
  for (const char* path : {"/ui", "/ui/", "/ui/index.html"}) {
    const auto* page = find_asset(path);
    ASSERT_NE(page, nullptr) << path;
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("<script src=\"/ui/app.js\"></script>"), std::string_view::npos);
  }
  const auto* chart = find_asset("/ui/vendor/uPlot.iife.min.js");
  ASSERT_NE(chart, nullptr);
  EXPECT_NE(chart->body.find("uPlot"), std::string_view::npos);
  EXPECT_GT(chart->body.size(), 10'000u);
  ASSERT_NE(find_asset("/ui/app.js"), nullptr);
  EXPECT_EQ(find_asset("/ui/app.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(find_asset("/ui/vendor/uPlot.min.css")->content_type, "text/css; charset=utf-8");
}

TEST(Assets, NothingElseIsServed) {
  for (const char* path : {"/ui/../ui/app.js", "/ui/app.js/", "/ui//app.js", "/ui/nothing.js", "/uiapp.js", "", "/"}) {
    EXPECT_EQ(find_asset(path), nullptr) << path;
  }
}

TEST(Assets, NoEmbeddedFileEndsInItsTerminator) {
  // The generated arrays carry a NUL after the bytes; the sizes must leave it out.
  for (const char* path : {"/ui/", "/ui/app.js", "/ui/app.css", "/ui/vendor/uPlot.iife.min.js"}) {
    const auto body = find_asset(path)->body;
    ASSERT_FALSE(body.empty()) << path;
    EXPECT_NE(body.back(), '\0') << path;
  }
}

}  // namespace
}  // namespace spillway::dashboard
