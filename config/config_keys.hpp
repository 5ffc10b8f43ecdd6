#pragma once
// Every key the configuration file accepts, per section. The loader rejects anything else
// (a typo must not silently disable caching), and a unit test checks that
// docs/configuration.md describes each of them.
#include <array>
#include <string_view>

namespace sqlcache::config::keys {

inline constexpr std::array<std::string_view, 12> kTopLevel{
    "listen",         "max_connections", "handshake_timeout",
    "idle_timeout",   "max_packet_size", "threads",
    "shutdown_grace", "backend",         "client_tls",
    "cache",          "admin",           "log"};

inline constexpr std::array<std::string_view, 4> kBackend{"host", "port", "connect_timeout", "tls"};
inline constexpr std::array<std::string_view, 3> kBackendTls{"mode", "ca", "server_name"};
inline constexpr std::array<std::string_view, 3> kClientTls{"cert", "key", "require"};

inline constexpr std::array<std::string_view, 22> kCache{"store",
                                                         "tls",
                                                         "username",
                                                         "password",
                                                         "ca",
                                                         "key_prefix",
                                                         "pool_size",
                                                         "connect_timeout",
                                                         "command_timeout",
                                                         "memory_limit",
                                                         "near_cache_limit",
                                                         "near_cache_ttl",
                                                         "default_ttl",
                                                         "max_result_bytes",
                                                         "max_result_rows",
                                                         "share_across_users",
                                                         "cache_in_transactions",
                                                         "hints",
                                                         "coalesce_wait",
                                                         "follow_dependencies",
                                                         "dependency_refresh",
                                                         "tables"};

inline constexpr std::array<std::string_view, 3> kTableRule{"match", "ttl", "share_across_users"};
inline constexpr std::array<std::string_view, 2> kAdmin{"listen", "token"};
inline constexpr std::array<std::string_view, 3> kLog{"level", "format", "slow_query"};

}  // namespace sqlcache::config::keys
