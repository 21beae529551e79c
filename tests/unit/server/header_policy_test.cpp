#include "server/header_policy.hpp"

#include <gtest/gtest.h>

namespace spillway::server {
namespace {

TEST(HeaderPolicy, UpstreamHeadersTravelWhateverTheirValue) {
  for (auto name : {"anthropic-version", "anthropic-beta", "Anthropic-Beta", "content-type", "user-agent",
                    "x-stainless-os", "openai-organization", "x-request-id"}) {
    EXPECT_TRUE(forward_request_header(name, "")) << name;
  }
}

TEST(HeaderPolicy, ClientCredentialsStayAtTheGateway) {
  for (auto name : {"authorization", "Authorization", "x-api-key", "X-Api-Key", "proxy-authorization", "cookie"}) {
    EXPECT_FALSE(forward_request_header(name, "")) << name;
  }
}

TEST(HeaderPolicy, HopByHopHeadersStop) {
  for (auto name : {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host",
                    "content-length", "proxy-connection", "expect", "accept-encoding"}) {
    EXPECT_FALSE(forward_request_header(name, "")) << name;
  }
}

TEST(HeaderPolicy, HeadersNamedByConnectionAreHopByHop) {
  EXPECT_FALSE(forward_request_header("x-trace", "keep-alive, X-Trace"));
  EXPECT_FALSE(forward_request_header("x-trace", "x-trace"));
  EXPECT_TRUE(forward_request_header("x-trace", "keep-alive, x-trace-id"));
}

TEST(HeaderPolicy, GatewayControlHeadersAreNotForwarded) {
  EXPECT_FALSE(forward_request_header("x-spillway-agent", ""));
  EXPECT_FALSE(forward_request_header("X-Spillway-Priority", ""));
  EXPECT_TRUE(forward_request_header("x-spillwayish", ""));
}

TEST(HeaderPolicy, ResponseHeadersKeepRateLimitsAndDropFraming) {
  EXPECT_TRUE(forward_response_header("anthropic-ratelimit-requests-remaining"));
  EXPECT_TRUE(forward_response_header("x-ratelimit-remaining-tokens"));
  EXPECT_TRUE(forward_response_header("retry-after"));
  EXPECT_TRUE(forward_response_header("request-id"));
  EXPECT_FALSE(forward_response_header("transfer-encoding"));
  EXPECT_FALSE(forward_response_header("Content-Length"));
  EXPECT_FALSE(forward_response_header("connection"));
  EXPECT_FALSE(forward_response_header("set-cookie"));
}

}  // namespace
}  // namespace spillway::server
