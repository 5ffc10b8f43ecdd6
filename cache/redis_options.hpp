#pragma once
// Where and how to reach Redis (or ElastiCache / Valkey speaking RESP2).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cache/circuit_breaker.hpp"

namespace sqlcache::cache {

struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  // AUTH on every (re)connect: "AUTH <password>", or "AUTH <username> <password>" for a Redis 6
  // ACL user. A username without a password is ignored (AUTH needs one).
  std::optional<std::string> username;
  std::optional<std::string> password;
  // SELECT on every (re)connect when not 0 (cluster-mode servers only have database 0).
  int db = 0;
  // Covers resolve, TCP connect, TLS handshake, AUTH and SELECT.
  std::chrono::milliseconds connect_timeout{1000};
  // From the moment a call is made until its last reply; past it the call fails (the proxy goes
  // to the database) and the connection is dropped.
  std::chrono::milliseconds command_timeout{200};
  // Connections per store (one store per io_context thread); calls go round-robin.
  std::size_t pool_size = 2;
  // TLS (ElastiCache in-transit encryption). The server's certificate is verified against
  // ca_file (empty: the system's trust store) and server_name (empty: host).
  bool tls = false;
  std::string ca_file;
  std::string server_name;
  CircuitBreakerOptions breaker;
};

}  // namespace sqlcache::cache
