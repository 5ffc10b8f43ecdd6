#include "config/reload.hpp"

namespace sqlcache::config {
namespace {

// The part of the cache section a reload replaces: how results are chosen and kept, not where
// they are stored.
struct CachePolicy {
  const CacheConfig& cache;

  bool operator==(const CachePolicy& other) const {
    const CacheConfig& a = cache;
    const CacheConfig& b = other.cache;
    return a.default_ttl == b.default_ttl && a.tables == b.tables &&
           a.share_across_users == b.share_across_users &&
           a.cache_in_transactions == b.cache_in_transactions && a.hints == b.hints &&
           a.max_result_bytes == b.max_result_bytes && a.max_result_rows == b.max_result_rows &&
           a.coalesce_wait == b.coalesce_wait && a.follow_dependencies == b.follow_dependencies &&
           a.dependency_refresh == b.dependency_refresh;
  }
};

void copy_policy(CacheConfig& to, const CacheConfig& from) {
  to.default_ttl = from.default_ttl;
  to.tables = from.tables;
  to.share_across_users = from.share_across_users;
  to.cache_in_transactions = from.cache_in_transactions;
  to.hints = from.hints;
  to.max_result_bytes = from.max_result_bytes;
  to.max_result_rows = from.max_result_rows;
  to.coalesce_wait = from.coalesce_wait;
  to.follow_dependencies = from.follow_dependencies;
  to.dependency_refresh = from.dependency_refresh;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, const Config& loaded) {
  ReloadPlan plan;
  auto restart_if = [&](bool differs, const char* key) {
    if (differs) plan.needs_restart.emplace_back(key);
  };
  restart_if(running.listen != loaded.listen, "listen");
  restart_if(running.max_connections != loaded.max_connections, "max_connections");
  restart_if(running.handshake_timeout != loaded.handshake_timeout, "handshake_timeout");
  restart_if(running.idle_timeout != loaded.idle_timeout, "idle_timeout");
  restart_if(running.max_packet_size != loaded.max_packet_size, "max_packet_size");
  restart_if(running.threads != loaded.threads, "threads");
  restart_if(running.shutdown_grace != loaded.shutdown_grace, "shutdown_grace");
  restart_if(running.backend != loaded.backend, "backend");
  restart_if(running.client_tls != loaded.client_tls, "client_tls");
  restart_if(running.admin != loaded.admin, "admin");
  restart_if(running.log.format != loaded.log.format, "log.format");

  const CacheConfig& a = running.cache;
  const CacheConfig& b = loaded.cache;
  restart_if(a.store != b.store, "cache.store");
  restart_if(a.username != b.username || a.password != b.password, "cache.username/password");
  restart_if(a.ca != b.ca, "cache.ca");
  restart_if(a.key_prefix != b.key_prefix, "cache.key_prefix");
  restart_if(a.pool_size != b.pool_size, "cache.pool_size");
  restart_if(a.connect_timeout != b.connect_timeout, "cache.connect_timeout");
  restart_if(a.command_timeout != b.command_timeout, "cache.command_timeout");
  restart_if(a.memory_limit != b.memory_limit, "cache.memory_limit");
  restart_if(a.near_cache_limit != b.near_cache_limit || a.near_cache_ttl != b.near_cache_ttl,
             "cache.near_cache_limit/near_cache_ttl");

  plan.cache_policy_changed = !(CachePolicy{a} == CachePolicy{b});
  plan.log_changed =
      running.log.level != loaded.log.level || running.log.slow_query != loaded.log.slow_query;
  return plan;
}

Config apply_reload(const Config& running, const Config& loaded) {
  Config next = running;
  copy_policy(next.cache, loaded.cache);
  next.log.level = loaded.log.level;
  next.log.slow_query = loaded.log.slow_query;
  return next;
}

}  // namespace sqlcache::config
