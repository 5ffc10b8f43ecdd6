#pragma once
// The whole configuration as typed values with their defaults. A default-constructed Config is
// what the proxy runs with when no file is given: listen on 127.0.0.1:3307, forward to a MySQL
// on 127.0.0.1:3306, cache in process memory for 60 s. docs/configuration.md describes every key.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/byte_size.hpp"
#include "config/host_port.hpp"
#include "config/store_url.hpp"
#include "config/ttl_rules.hpp"

namespace sqlcache::config {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// How the proxy connects to the database, in the words of MySQL's --ssl-mode.
enum class BackendTlsMode {
  disabled,         // plain TCP
  preferred,        // TLS if the server offers it, no certificate check
  required,         // TLS or fail, no certificate check
  verify_ca,        // TLS, certificate signed by the CA
  verify_identity,  // verify_ca, and the certificate names the host (or server_name)
};

enum class LogLevel { trace, debug, info, warn, error, off };
enum class LogFormat { text, json };

std::string_view to_string(BackendTlsMode mode);
std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);
std::optional<BackendTlsMode> parse_backend_tls_mode(std::string_view text);
std::optional<LogLevel> parse_log_level(std::string_view text);
std::optional<LogFormat> parse_log_format(std::string_view text);

struct BackendTls {
  BackendTlsMode mode = BackendTlsMode::disabled;
  std::string ca;           // PEM file; empty: the system's trust store
  std::string server_name;  // SNI and the name to verify; empty: backend.host
  bool operator==(const BackendTls&) const = default;
};

struct BackendConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
  milliseconds connect_timeout = 5s;
  BackendTls tls;

  HostPort address() const { return HostPort{host, port}; }
  bool operator==(const BackendConfig&) const = default;
};

// TLS between clients and the proxy. Off unless a certificate is configured.
struct ClientTls {
  std::string cert;      // PEM certificate chain
  std::string key;       // PEM private key
  bool require = false;  // refuse clients that do not switch to TLS

  bool enabled() const { return !cert.empty(); }
  bool operator==(const ClientTls&) const = default;
};

struct CacheConfig {
  StoreUrl store;  // default: memory
  // Redis ACL credentials. When set they replace the ones in the store URL.
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string ca;  // PEM file to verify a rediss:// server; empty: the system's trust store
  std::string key_prefix = "sqlcache:";
  unsigned pool_size = 2;  // Redis connections per proxy thread
  milliseconds connect_timeout = 1s;
  milliseconds command_timeout = 200ms;
  std::uint64_t memory_limit = 256 * kMiB;  // bound of the in-process store
  // The near cache in front of a Redis store (docs/caching.md): 0 is off.
  std::uint64_t near_cache_limit = 0;
  milliseconds near_cache_ttl = 60s;  // longest time it keeps an entry (Redis's TTL first)
  milliseconds default_ttl = 60s;
  std::uint64_t max_result_bytes = 1 * kMiB;
  std::uint64_t max_result_rows = 10000;  // 0: no row limit (max_result_bytes still applies)
  bool share_across_users = false;
  bool cache_in_transactions = false;
  bool hints = true;                // honour per-query cache hints in SQL comments
  milliseconds coalesce_wait = 1s;  // how long a miss waits for an identical one in flight
  // Follow views, foreign key actions and triggers when invalidating (docs/caching.md).
  bool follow_dependencies = true;
  milliseconds dependency_refresh = 60s;  // re-read them this often; 0: only after DDL
  std::vector<TtlRule> tables;

  // The credentials to send to Redis: the keys above, else the URL's.
  std::string redis_username() const { return username.value_or(store.username); }
  std::string redis_password() const { return password.value_or(store.password); }
  TtlRules ttl_rules() const { return TtlRules(tables, default_ttl, share_across_users); }
  bool operator==(const CacheConfig&) const = default;
};

struct AdminConfig {
  std::optional<HostPort> listen;  // unset: no admin endpoint
  std::string token;               // bearer token for the endpoints that change state
  bool operator==(const AdminConfig&) const = default;
};

struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  milliseconds slow_query = 0ms;  // log queries slower than this; 0: off
  bool operator==(const LogConfig&) const = default;
};

struct Config {
  std::vector<HostPort> listen{HostPort{"127.0.0.1", 3307}};
  std::uint32_t max_connections = 10000;
  milliseconds handshake_timeout = 10s;
  milliseconds idle_timeout = 8h;  // 0: never close idle clients
  std::uint64_t max_packet_size = 64 * kMiB;
  unsigned threads = 0;  // 0: one per core
  milliseconds shutdown_grace = 10s;
  BackendConfig backend;
  ClientTls client_tls;
  CacheConfig cache;
  AdminConfig admin;
  LogConfig log;

  bool operator==(const Config&) const = default;
};

// A rule that involves more than one key (a TLS key without a certificate, a CA for a store
// that does not use TLS, ...). `key` is the dotted path the problem is reported at.
struct ConsistencyProblem {
  std::string key;
  std::string message;
};

// Checks that hold whether the values came from a file, flags or both.
std::vector<ConsistencyProblem> check_consistency(const Config& config);

}  // namespace sqlcache::config
