#include <gtest/gtest.h>

#include "auth/authenticator.hpp"

namespace spillway::auth {
namespace {

config::Auth keys(std::initializer_list<const char*> raw_keys) {
  config::Auth auth;
  for (const char* key : raw_keys) {
    auth.key_sha256.push_back(config::sha256_hex(key));
    auth.key_names.emplace_back();
  }
  return auth;
}

TEST(Authenticator, AcceptsTheKeyInXApiKey) {
  Authenticator a(keys({"sk-gw-alice", "sk-gw-bob"}));
  EXPECT_FALSE(a.open());
  EXPECT_TRUE(a.accepts("sk-gw-alice", ""));
  EXPECT_TRUE(a.accepts("sk-gw-bob", ""));
}

TEST(Authenticator, AcceptsBearerInAuthorization) {
  Authenticator a(keys({"sk-gw-alice"}));
  EXPECT_TRUE(a.accepts("", "Bearer sk-gw-alice"));
  EXPECT_TRUE(a.accepts("", "bearer sk-gw-alice"));  // the scheme is case-insensitive
  EXPECT_TRUE(a.accepts("", "Bearer   sk-gw-alice "));
}

TEST(Authenticator, RejectsWrongMissingAndOtherSchemes) {
  Authenticator a(keys({"sk-gw-alice"}));
  EXPECT_FALSE(a.accepts("", ""));
  EXPECT_FALSE(a.accepts("sk-gw-alicE", ""));
  EXPECT_FALSE(a.accepts("sk-gw-alice-x", ""));
  EXPECT_FALSE(a.accepts("", "Bearer sk-gw-mallory"));
  EXPECT_FALSE(a.accepts("", "Bearer "));
  EXPECT_FALSE(a.accepts("", "Bearersk-gw-alice"));
  EXPECT_FALSE(a.accepts("", "Basic sk-gw-alice"));
  EXPECT_FALSE(a.accepts("", "sk-gw-alice"));
  // The digest itself is not a key: knowing the config must not let anyone in.
  EXPECT_FALSE(a.accepts(config::sha256_hex("sk-gw-alice"), ""));
}

TEST(Authenticator, EitherHeaderMayCarryTheKey) {
  Authenticator a(keys({"sk-gw-alice"}));
  EXPECT_TRUE(a.accepts("placeholder", "Bearer sk-gw-alice"));
  EXPECT_TRUE(a.accepts("sk-gw-alice", "Bearer placeholder"));
}

TEST(Authenticator, NoKeysConfiguredRejectsEveryone) {
  Authenticator a(config::Auth{});
  EXPECT_FALSE(a.accepts("anything", "Bearer anything"));
}

TEST(Authenticator, AuthNonePassesEveryCall) {
  config::Auth none;
  none.none = true;
  Authenticator a(none);
  EXPECT_TRUE(a.open());
  EXPECT_TRUE(a.accepts("", ""));
  EXPECT_TRUE(a.accepts("whatever", "Basic abc"));
}

TEST(Authenticator, IdentifyNamesWhichKeyMatched) {
  Authenticator a(keys({"k0", "k1", "k2"}));
  EXPECT_EQ(a.identify("k2", ""), std::optional<std::size_t>(2));
  EXPECT_EQ(a.identify("", "Bearer k1"), std::optional<std::size_t>(1));
  EXPECT_EQ(a.identify("nope", ""), std::nullopt);
}

TEST(Authenticator, UppercaseDigestsInConfigStillMatch) {
  config::Auth auth;
  std::string hex = config::sha256_hex("sk-gw-alice");
  for (auto& c : hex) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  auth.key_sha256.push_back(hex);
  EXPECT_TRUE(Authenticator(auth).accepts("sk-gw-alice", ""));
}

TEST(Authenticator, MalformedDigestIsRefusedAtConstruction) {
  config::Auth auth;
  auth.key_sha256.push_back("abc");
  EXPECT_THROW(Authenticator{auth}, std::invalid_argument);
}

}  // namespace
}  // namespace spillway::auth
