#include "config/base_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>

namespace spillway::config::detail {

namespace {

constexpr const char* kExpected = "expected http(s)://host[:port][/path]";

std::string bad(std::string_view url, std::string_view why) {
  return "base_url '" + std::string(url) + "' " + std::string(why) + "; " + kExpected;
}

}  // namespace

std::optional<std::string> apply_base_url(std::string_view url, Upstream& upstream) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return bad(url, "is not a valid URL");
  }
  const boost::urls::url_view& u = *parsed;
  bool tls = false;
  if (u.scheme_id() == boost::urls::scheme::https) {
    tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return bad(url, "does not start with http:// or https://");
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    return bad(url, "has no host");
  }
  if (u.has_userinfo()) {
    // Credentials in a URL end up in logs; keys belong in api_key_env / api_key_file.
    return bad(url, "must not carry user:password@ (use api_key_env or api_key_file)");
  }
  if (u.has_query() || u.has_fragment()) {
    return bad(url, "must not have a ?query or #fragment");
  }
  std::uint16_t port = tls ? 443 : 80;
  if (u.has_port()) {
    // port_number() is silently 0 or truncated for values over 65535: check the text.
    auto text = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
      return bad(url, "has a bad port");
    }
    port = static_cast<std::uint16_t>(value);
  }
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }

  upstream.base_url = std::string(url);
  upstream.tls = tls;
  upstream.host = u.host_address();  // IPv6 without brackets, ready for a resolver
  upstream.port = port;
  upstream.base_path = std::move(path);
  return std::nullopt;
}

}  // namespace spillway::config::detail
