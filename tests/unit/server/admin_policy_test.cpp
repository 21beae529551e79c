// Who may use the admin API, by listener and key.
#include <gtest/gtest.h>

#include "server/admin_policy.hpp"

namespace spillway::server {
namespace {

config::Config on(const std::string& host, bool auth_none, bool allow_remote = false) {
  config::Config c;
  c.listen_host = host;
  c.auth.none = auth_none;
  c.admin.allow_remote = allow_remote;
  return c;
}

TEST(AdminPolicy, LoopbackWithAnAdminKeyOrAuthNone) {
  EXPECT_FALSE(admin_refusal(on("127.0.0.1", false), true));
  EXPECT_FALSE(admin_refusal(on("::1", true), false));
  EXPECT_TRUE(admin_refusal(on("127.0.0.1", false), false));
}

TEST(AdminPolicy, OffOnOtherListenersUnlessAllowed) {
  auto why = admin_refusal(on("0.0.0.0", false), true);  // even with the admin key
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("only on a loopback listener"), std::string::npos);
  EXPECT_FALSE(admin_refusal(on("0.0.0.0", false, true), true));
  // Allowed remotely still needs the key: auth: none does not open it there.
  EXPECT_TRUE(admin_refusal(on("10.0.0.5", true, true), false));
}

}  // namespace
}  // namespace spillway::server
