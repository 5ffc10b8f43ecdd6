#include "config/store_url.hpp"

#include "config/decimal.hpp"
#include "config/host_port.hpp"

namespace sqlcache::config {
namespace {

constexpr std::uint16_t kRedisDefaultPort = 6379;
constexpr std::uint64_t kMaxDatabaseIndex = 2147483647;  // Redis keeps the count in an int

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reserved characters, escaped so that to_string() parses back to the same user name.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

ParseResult<StoreUrl> parse_redis_url(StoreScheme scheme, std::string_view rest) {
  StoreUrl url;
  url.scheme = scheme;

  if (rest.find_first_of("?#") != std::string_view::npos) {
    return ParseError{
        "query parameters are not supported in the store URL; use the cache keys username, "
        "password and ca"};
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash + 1);
    if (!path.empty()) {
      auto db = parse_decimal(path);
      if (!db || *db > kMaxDatabaseIndex) {
        return ParseError{"the database index after '/' must be a number (0 to 2147483647)"};
      }
      url.db = static_cast<std::uint32_t>(*db);
    }
  }

  // The last '@' separates the credentials, so an unescaped '@' in a password still works.
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    std::size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    if (!user) return ParseError{"in the store URL's user name: " + user.error()};
    url.username = std::move(user).value();
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1));
      if (!password) return ParseError{"in the store URL's password: " + password.error()};
      url.password = std::move(password).value();
    }
  }

  if (authority.empty()) return ParseError{"the store URL has no host"};
  // Without a port the host stands alone ("redis://cache", "redis://[::1]") and gets 6379.
  bool bracketed = authority.front() == '[';
  bool has_port =
      bracketed ? authority.back() != ']' : authority.find(':') != std::string_view::npos;
  if (has_port) {
    auto address = parse_host_port(authority);
    if (!address) return ParseError{"in the store URL: " + address.error()};
    url.host = std::move(address->host);
    url.port = address->port;
  } else {
    std::string_view host = bracketed ? authority.substr(1, authority.size() - 2) : authority;
    if (!is_valid_host(host)) return ParseError{"the store URL's host is not a valid name or IP"};
    url.host = std::string(host);
    url.port = kRedisDefaultPort;
  }
  return url;
}

}  // namespace

ParseResult<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) return ParseError{"'%' must be followed by two hex digits"};
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

ParseResult<StoreUrl> parse_store_url(std::string_view text) {
  if (text == "none" || text == "memory") {
    StoreUrl url;
    url.scheme = text == "none" ? StoreScheme::none : StoreScheme::memory;
    return url;
  }
  if (text.starts_with("redis://")) return parse_redis_url(StoreScheme::redis, text.substr(8));
  if (text.starts_with("rediss://")) return parse_redis_url(StoreScheme::rediss, text.substr(9));
  return ParseError{
      "expected none, memory, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://..."};
}

std::string StoreUrl::to_string() const {
  switch (scheme) {
    case StoreScheme::none:
      return "none";
    case StoreScheme::memory:
      return "memory";
    case StoreScheme::redis:
    case StoreScheme::rediss:
      break;
  }
  std::string out = uses_tls() ? "rediss://" : "redis://";
  if (!username.empty() || !password.empty()) {
    out += percent_encode(username);
    if (!password.empty()) out += ":***";
    out += '@';
  }
  out += HostPort{host, port}.to_string();
  if (db != 0) {
    out += '/';  // appended apart: g++ 12 warns (-Wrestrict) on "/" + std::string
    out += std::to_string(db);
  }
  return out;
}

}  // namespace sqlcache::config
