#include <gtest/gtest.h>

#include "config/reload.hpp"

namespace sqlcache::config {
namespace {

using namespace std::chrono_literals;

TEST(Reload, SameConfigChangesNothing) {
  ReloadPlan plan = plan_reload(Config{}, Config{});
  EXPECT_TRUE(plan.needs_restart.empty());
  EXPECT_FALSE(plan.cache_policy_changed);
  EXPECT_FALSE(plan.log_changed);
}

TEST(Reload, TtlRulesAndPolicyApplyAtOnce) {
  Config running;
  Config loaded;
  loaded.cache.default_ttl = 5min;
  loaded.cache.tables = {TtlRule{"shop", "orders", 0ms, std::nullopt}};
  loaded.cache.share_across_users = true;
  loaded.cache.cache_in_transactions = true;
  loaded.cache.hints = false;
  loaded.cache.max_result_bytes = 2 * kMiB;
  loaded.cache.max_result_rows = 5;
  loaded.cache.coalesce_wait = 0ms;
  loaded.cache.follow_dependencies = false;
  loaded.cache.dependency_refresh = 0ms;
  ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_TRUE(plan.cache_policy_changed);
  EXPECT_TRUE(plan.needs_restart.empty());
  EXPECT_EQ(apply_reload(running, loaded), loaded);
}

TEST(Reload, EachPolicyKeyAloneCountsAsAChange) {
  std::vector<void (*)(CacheConfig&)> changes = {
      [](CacheConfig& c) { c.default_ttl = 1s; },
      [](CacheConfig& c) {
        c.tables.push_back(TtlRule{"a", "b", 1s, std::nullopt});
      },
      [](CacheConfig& c) { c.share_across_users = true; },
      [](CacheConfig& c) { c.cache_in_transactions = true; },
      [](CacheConfig& c) { c.hints = false; },
      [](CacheConfig& c) { c.max_result_bytes = 1; },
      [](CacheConfig& c) { c.max_result_rows = 1; },
      [](CacheConfig& c) { c.coalesce_wait = 0ms; },
      [](CacheConfig& c) { c.follow_dependencies = false; },
      [](CacheConfig& c) { c.dependency_refresh = 5min; },
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    Config loaded;
    changes[i](loaded.cache);
    ReloadPlan plan = plan_reload(Config{}, loaded);
    EXPECT_TRUE(plan.cache_policy_changed) << i;
    EXPECT_TRUE(plan.needs_restart.empty()) << i;
    EXPECT_EQ(apply_reload(Config{}, loaded), loaded) << i;
  }
}

TEST(Reload, LogLevelAndSlowQueryApplyAtOnce) {
  Config loaded;
  loaded.log.level = LogLevel::debug;
  loaded.log.slow_query = 100ms;
  ReloadPlan plan = plan_reload(Config{}, loaded);
  EXPECT_TRUE(plan.log_changed);
  EXPECT_TRUE(plan.needs_restart.empty());
  EXPECT_EQ(apply_reload(Config{}, loaded), loaded);
}

TEST(Reload, ListenBackendAndStoreNeedARestart) {
  Config running;
  Config loaded;
  loaded.listen = {HostPort{"0.0.0.0", 3307}};
  loaded.backend.host = "other-db";
  loaded.cache.store = *parse_store_url("redis://cache");
  loaded.cache.default_ttl = 1s;
  ReloadPlan plan = plan_reload(running, loaded);
  EXPECT_EQ(plan.needs_restart, (std::vector<std::string>{"listen", "backend", "cache.store"}));
  EXPECT_TRUE(plan.cache_policy_changed);

  Config next = apply_reload(running, loaded);
  EXPECT_EQ(next.listen, running.listen);
  EXPECT_EQ(next.backend, running.backend);
  EXPECT_EQ(next.cache.store, running.cache.store);
  EXPECT_EQ(next.cache.default_ttl, 1s);
}

TEST(Reload, EveryRestartOnlyKeyIsNamed) {
  std::vector<std::pair<std::string, void (*)(Config&)>> changes = {
      {"listen", [](Config& c) { c.listen[0].port = 1; }},
      {"max_connections", [](Config& c) { c.max_connections = 1; }},
      {"handshake_timeout", [](Config& c) { c.handshake_timeout = 1s; }},
      {"idle_timeout", [](Config& c) { c.idle_timeout = 1s; }},
      {"max_packet_size", [](Config& c) { c.max_packet_size = kKiB; }},
      {"threads", [](Config& c) { c.threads = 1; }},
      {"shutdown_grace", [](Config& c) { c.shutdown_grace = 1s; }},
      {"backend", [](Config& c) { c.backend.tls.mode = BackendTlsMode::required; }},
      {"client_tls", [](Config& c) { c.client_tls.require = true; }},
      // push_back, not = "t": g++ 12 -O3 reports a false -Wrestrict on that assignment.
      {"admin", [](Config& c) { c.admin.token.push_back('t'); }},
      {"log.format", [](Config& c) { c.log.format = LogFormat::json; }},
      {"cache.store", [](Config& c) { c.cache.store.scheme = StoreScheme::none; }},
      {"cache.username/password", [](Config& c) { c.cache.password = "pw"; }},
      {"cache.ca", [](Config& c) { c.cache.ca = "/ca.pem"; }},
      {"cache.key_prefix", [](Config& c) { c.cache.key_prefix = "x:"; }},
      {"cache.pool_size", [](Config& c) { c.cache.pool_size = 1; }},
      {"cache.connect_timeout", [](Config& c) { c.cache.connect_timeout = 2s; }},
      {"cache.command_timeout", [](Config& c) { c.cache.command_timeout = 2s; }},
      {"cache.memory_limit", [](Config& c) { c.cache.memory_limit = kGiB; }},
  };
  for (const auto& [key, change] : changes) {
    Config loaded;
    change(loaded);
    ReloadPlan plan = plan_reload(Config{}, loaded);
    EXPECT_EQ(plan.needs_restart, std::vector<std::string>{key});
    EXPECT_FALSE(plan.cache_policy_changed) << key;
    // The running configuration keeps the old value until the restart.
    EXPECT_EQ(apply_reload(Config{}, loaded), Config{}) << key;
  }
}

}  // namespace
}  // namespace sqlcache::config
