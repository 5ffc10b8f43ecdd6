#pragma once
// Where cached results live: "none" (no caching, a plain proxy), "memory" (a store inside the
// proxy process), or a Redis server: redis://[user[:password]@]host[:port][/db], or rediss://
// for TLS (ElastiCache with in-transit encryption, Redis started with --tls-port).
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sqlcache::config {

enum class StoreScheme { none, memory, redis, rediss };

struct StoreUrl {
  StoreScheme scheme = StoreScheme::memory;
  // The fields below only apply to redis and rediss.
  std::string host;
  std::uint16_t port = 6379;
  std::string username;  // percent-decoded; empty: Redis's "default" user
  std::string password;  // percent-decoded; empty: no AUTH
  std::uint32_t db = 0;  // the SELECT index

  bool is_redis() const { return scheme == StoreScheme::redis || scheme == StoreScheme::rediss; }
  bool uses_tls() const { return scheme == StoreScheme::rediss; }

  // For logs and the admin page: the password, if any, is shown as "***".
  std::string to_string() const;
  bool operator==(const StoreUrl&) const = default;
};

// Error messages never repeat the text: it may hold a password.
ParseResult<StoreUrl> parse_store_url(std::string_view text);

// Decodes %XX escapes (how a URL carries '@', ':', '/' or '%' inside a user name or password).
ParseResult<std::string> percent_decode(std::string_view text);

}  // namespace sqlcache::config
