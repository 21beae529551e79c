#include <gtest/gtest.h>

#include "config/config.hpp"

namespace spillway::config {
namespace {

TEST(ParseListen, Valid) {
  using P = std::pair<std::string, std::uint16_t>;
  EXPECT_EQ(parse_listen("127.0.0.1:4000"), P("127.0.0.1", 4000));
  EXPECT_EQ(parse_listen("0.0.0.0:0"), P("0.0.0.0", 0));
  EXPECT_EQ(parse_listen("localhost:65535"), P("localhost", 65535));
  EXPECT_EQ(parse_listen("gateway-1.internal:80"), P("gateway-1.internal", 80));
  EXPECT_EQ(parse_listen("[::1]:4000"), P("::1", 4000));
  EXPECT_EQ(parse_listen("[::]:8080"), P("::", 8080));
  EXPECT_EQ(parse_listen("[fe80::1:2]:1"), P("fe80::1:2", 1));
}

TEST(ParseListen, InvalidSaysWhy) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : {Case{"", "is empty"},
                        Case{"127.0.0.1", "has no port"},
                        Case{":4000", "has no host"},
                        Case{"127.0.0.1:", "bad port ''"},
                        Case{"127.0.0.1:65536", "bad port '65536'"},
                        Case{"127.0.0.1:-1", "bad port '-1'"},
                        Case{"127.0.0.1:40 00", "bad port"},
                        Case{"300.0.0.1:4000", "'300.0.0.1' is not a valid IPv4 address"},
                        Case{"bad_host:4000", "'bad_host' is not a valid host name"},
                        Case{"::1:4000", "write IPv6 addresses in brackets"},
                        Case{"[::1:4000", "no closing ']'"},
                        Case{"[::1]4000", "has no port"},
                        Case{"[nope]:4000", "'nope' is not an IPv6 address"}}) {
    try {
      parse_listen(c.text);
      ADD_FAILURE() << "accepted '" << c.text << "'";
    } catch (const std::invalid_argument& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(c.why), std::string::npos) << c.text << " -> " << what;
      EXPECT_NE(what.find("; expected "), std::string::npos) << what;
    }
  }
}

TEST(Sha256Hex, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("password"), "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
}

}  // namespace
}  // namespace spillway::config
