#include <gtest/gtest.h>

#include "route/router.hpp"

namespace spillway::route {
namespace {

TEST(GlobMatch, Table) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  for (const Case& c : {
           Case{"*", "", true},
           Case{"*", "anything", true},
           Case{"", "", true},
           Case{"", "x", false},
           Case{"claude-*", "claude-sonnet-4-5", true},
           Case{"claude-*", "claude-", true},
           Case{"claude-*", "claude", false},
           Case{"claude-*", "Claude-sonnet", false},  // case-sensitive
           Case{"claude-*", "x-claude-sonnet", false},
           Case{"o1*", "o1", true},
           Case{"o1*", "o1-mini", true},
           Case{"o1*", "o10", true},
           Case{"o1*", "go1", false},
           Case{"gpt-4?", "gpt-4o", true},
           Case{"gpt-4?", "gpt-4", false},
           Case{"gpt-4?", "gpt-4oo", false},
           Case{"*-mini", "o4-mini", true},
           Case{"*-mini", "o4-mini-high", false},
           Case{"a*b*c", "abc", true},
           Case{"a*b*c", "axxbyyc", true},
           Case{"a*b*c", "axxbyy", false},
           Case{"a*b*c", "acb", false},
           Case{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},  // no blow-up
           Case{"**", "x", true},
           Case{"?", "", false},
           Case{"exact", "exact", true},
           Case{"exact", "exactly", false},
       }) {
    EXPECT_EQ(glob_match(c.pattern, c.text), c.match) << "'" << c.pattern << "' vs '" << c.text << "'";
  }
}

}  // namespace
}  // namespace spillway::route
