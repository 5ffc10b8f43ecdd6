#include <gtest/gtest.h>

#include <map>

#include "config/config_loader.hpp"

namespace sqlcache::config {
namespace {

using namespace std::chrono_literals;

const std::string kDataDir = std::string(SQLCACHE_TEST_DATA_DIR) + "/config/";

EnvLookup fake_env(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

std::string all_errors(const LoadResult& result) {
  std::string out;
  for (const ConfigError& error : result.errors) out += error.to_string() + "\n";
  return out;
}

Config loaded(std::string_view yaml, const EnvLookup& env = fake_env({})) {
  LoadResult result = load_config_string(yaml, "test.yaml", env);
  EXPECT_TRUE(result.ok()) << all_errors(result);
  return result.ok() ? *result.config : Config{};
}

TEST(ConfigLoader, EmptyFileGivesTheDefaults) {
  Config config = loaded("");
  EXPECT_EQ(config, Config{});
  EXPECT_EQ(loaded("# only a comment\n"), Config{});
  EXPECT_EQ(loaded("---\n"), Config{});
}

TEST(ConfigLoader, DefaultsAreTheDocumentedOnes) {
  Config config;
  ASSERT_EQ(config.listen.size(), 1u);
  EXPECT_EQ(config.listen[0].to_string(), "127.0.0.1:3307");
  EXPECT_EQ(config.max_connections, 10000u);
  EXPECT_EQ(config.handshake_timeout, 10s);
  EXPECT_EQ(config.idle_timeout, 8h);
  EXPECT_EQ(config.max_packet_size, 64 * kMiB);
  EXPECT_EQ(config.threads, 0u);
  EXPECT_EQ(config.shutdown_grace, 10s);
  EXPECT_EQ(config.backend.address().to_string(), "127.0.0.1:3306");
  EXPECT_EQ(config.backend.connect_timeout, 5s);
  EXPECT_EQ(config.backend.tls.mode, BackendTlsMode::disabled);
  EXPECT_FALSE(config.client_tls.enabled());
  EXPECT_EQ(config.cache.store.scheme, StoreScheme::memory);
  EXPECT_EQ(config.cache.key_prefix, "sqlcache:");
  EXPECT_EQ(config.cache.pool_size, 2u);
  EXPECT_EQ(config.cache.connect_timeout, 1s);
  EXPECT_EQ(config.cache.command_timeout, 200ms);
  EXPECT_EQ(config.cache.memory_limit, 256 * kMiB);
  EXPECT_EQ(config.cache.default_ttl, 60s);
  EXPECT_EQ(config.cache.max_result_bytes, 1 * kMiB);
  EXPECT_EQ(config.cache.max_result_rows, 10000u);
  EXPECT_FALSE(config.cache.share_across_users);
  EXPECT_FALSE(config.cache.cache_in_transactions);
  EXPECT_TRUE(config.cache.hints);
  EXPECT_EQ(config.cache.coalesce_wait, 1s);
  EXPECT_TRUE(config.cache.follow_dependencies);
  EXPECT_EQ(config.cache.dependency_refresh, 60s);
  EXPECT_TRUE(config.cache.tables.empty());
  EXPECT_FALSE(config.admin.listen.has_value());
  EXPECT_EQ(config.log.level, LogLevel::info);
  EXPECT_EQ(config.log.format, LogFormat::text);
  EXPECT_EQ(config.log.slow_query, 0ms);
  EXPECT_TRUE(check_consistency(config).empty());
}

TEST(ConfigLoader, ReadsEveryKeyOfTheFullSample) {
  LoadResult result =
      load_config_file(kDataDir + "full.yaml", fake_env({{"REDIS_PASSWORD", "hunter2"}}));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  const Config& c = *result.config;
  ASSERT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.listen[0], (HostPort{"127.0.0.1", 3307}));
  EXPECT_EQ(c.listen[1], (HostPort{"::1", 3308}));
  EXPECT_EQ(c.max_connections, 5000u);
  EXPECT_EQ(c.handshake_timeout, 15s);
  EXPECT_EQ(c.idle_timeout, 0ms);
  EXPECT_EQ(c.max_packet_size, 16 * kMiB);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.shutdown_grace, 30s);

  EXPECT_EQ(c.backend.host, "mydb.xxxx.rds.amazonaws.com");
  EXPECT_EQ(c.backend.port, 3306);
  EXPECT_EQ(c.backend.connect_timeout, 3s);
  EXPECT_EQ(c.backend.tls.mode, BackendTlsMode::verify_identity);
  EXPECT_EQ(c.backend.tls.ca, "/etc/ssl/rds-global-bundle.pem");
  EXPECT_EQ(c.backend.tls.server_name, "mydb.xxxx.rds.amazonaws.com");

  EXPECT_EQ(c.client_tls.cert, "/etc/sqlcache/server.crt");
  EXPECT_EQ(c.client_tls.key, "/etc/sqlcache/server.key");
  EXPECT_TRUE(c.client_tls.require);

  const CacheConfig& cache = c.cache;
  EXPECT_EQ(cache.store.scheme, StoreScheme::rediss);
  EXPECT_EQ(cache.store.host, "cache.xxxx.cache.amazonaws.com");
  EXPECT_EQ(cache.store.db, 2u);
  EXPECT_EQ(cache.redis_username(), "sqlcache");
  EXPECT_EQ(cache.redis_password(), "hunter2");
  EXPECT_EQ(cache.ca, "/etc/ssl/elasticache.pem");
  EXPECT_EQ(cache.key_prefix, "app1:");
  EXPECT_EQ(cache.pool_size, 4u);
  EXPECT_EQ(cache.connect_timeout, 2s);
  EXPECT_EQ(cache.command_timeout, 150ms);
  EXPECT_EQ(cache.memory_limit, 512 * kMiB);
  EXPECT_EQ(cache.near_cache_limit, 32 * kMiB);
  EXPECT_EQ(cache.near_cache_ttl, 2s);
  EXPECT_EQ(cache.default_ttl, 2min);
  EXPECT_EQ(cache.max_result_bytes, 4 * kMiB);
  EXPECT_EQ(cache.max_result_rows, 50000u);
  EXPECT_TRUE(cache.share_across_users);
  EXPECT_TRUE(cache.cache_in_transactions);
  EXPECT_FALSE(cache.hints);
  EXPECT_EQ(cache.coalesce_wait, 500ms);
  EXPECT_FALSE(cache.follow_dependencies);
  EXPECT_EQ(cache.dependency_refresh, 5min);
  ASSERT_EQ(cache.tables.size(), 4u);
  EXPECT_EQ(cache.tables[0], (TtlRule{"shop", "products", 10min, std::nullopt}));
  EXPECT_EQ(cache.tables[1], (TtlRule{"shop", "orders", 0ms, std::nullopt}));
  EXPECT_EQ(cache.tables[2], (TtlRule{"analytics", "*", 1h, true}));
  EXPECT_EQ(cache.tables[3], (TtlRule{"*", "sessions", 5s, false}));

  EXPECT_EQ(c.admin.listen, (HostPort{"127.0.0.1", 9107}));
  EXPECT_EQ(c.admin.token, "");  // ${ADMIN_TOKEN:-} with the variable unset
  EXPECT_EQ(c.log.level, LogLevel::debug);
  EXPECT_EQ(c.log.format, LogFormat::json);
  EXPECT_EQ(c.log.slow_query, 250ms);
}

TEST(ConfigLoader, RulesFromTheFileDecideTtls) {
  LoadResult result = load_config_file(kDataDir + "full.yaml", fake_env({{"REDIS_PASSWORD", "x"}}));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  TtlRules rules = result.config->cache.ttl_rules();
  EXPECT_EQ(rules.decide("shop", "products").ttl, 10min);
  EXPECT_EQ(rules.decide("shop", "orders").ttl, 0ms);
  EXPECT_EQ(rules.decide("analytics", "events").ttl, 1h);
  EXPECT_EQ(rules.decide("blog", "sessions").ttl, 5s);
  EXPECT_FALSE(rules.decide("blog", "sessions").share_across_users);
  EXPECT_TRUE(rules.decide("blog", "posts").share_across_users);  // cache.share_across_users
  EXPECT_EQ(rules.decide("blog", "posts").ttl, 2min);
}

TEST(ConfigLoader, MinimalSampleNeedsOnlyTheBackend) {
  LoadResult result = load_config_file(kDataDir + "minimal.yaml", fake_env({}));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(*result.config, Config{});
}

TEST(ConfigLoader, DesignDocumentExampleLoads) {
  LoadResult result =
      load_config_file(kDataDir + "elasticache.yaml", fake_env({{"REDIS_PASSWORD", "pw"}}));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.backend.tls.mode, BackendTlsMode::required);
  EXPECT_EQ(c.cache.store.scheme, StoreScheme::rediss);  // redis:// with tls: true
  EXPECT_EQ(c.cache.redis_password(), "pw");
  EXPECT_EQ(c.cache.tables.size(), 3u);
}

TEST(ConfigLoader, ReportsEveryTypoOfAFileAtOnce) {
  LoadResult result = load_config_file(kDataDir + "typos.yaml", fake_env({}));
  ASSERT_FALSE(result.ok());
  const std::string file = kDataDir + "typos.yaml";
  std::vector<std::string> expected = {
      file +
          ":4:3: unknown key 'ttl_default' in cache; expected one of: store, tls, username, "
          "password, ca, key_prefix, pool_size, connect_timeout, command_timeout, "
          "memory_limit, near_cache_limit, near_cache_ttl, default_ttl, max_result_bytes, "
          "max_result_rows, share_across_users, "
          "cache_in_transactions, hints, coalesce_wait, follow_dependencies, dependency_refresh, "
          "tables (did you mean 'default_ttl'?)",
      file +
          ":7:36: cache.tables[0].ttl: expected a duration like 30s, 500ms or 1h30m, got "
          "'10 minutes'",
      file +
          ":9:10: log.level: expected one of trace, debug, info, warn, error, off, got "
          "'verbose'",
  };
  std::vector<std::string> actual;
  for (const ConfigError& error : result.errors) actual.push_back(error.to_string());
  EXPECT_EQ(actual, expected);
}

TEST(ConfigLoader, MissingFileIsAnErrorNamingIt) {
  LoadResult result = load_config_file(kDataDir + "does-not-exist.yaml", fake_env({}));
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            kDataDir + "does-not-exist.yaml: cannot read: No such file or directory");
}

TEST(ConfigLoader, DirectoryIsNotAConfigFile) {
  LoadResult result = load_config_file(kDataDir, fake_env({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message, "is a directory, not a file");
}

TEST(ConfigLoader, ListenTakesOneAddressOrAList) {
  EXPECT_EQ(loaded("listen: 0.0.0.0:3307").listen, (std::vector<HostPort>{{"0.0.0.0", 3307}}));
  EXPECT_EQ(loaded("listen: [127.0.0.1:1, '[::1]:2']").listen,
            (std::vector<HostPort>{{"127.0.0.1", 1}, {"::1", 2}}));
  EXPECT_EQ(loaded("listen: 127.0.0.1:0").listen[0].port, 0);  // any free port
}

TEST(ConfigLoader, BackendTlsModeShorthand) {
  EXPECT_EQ(loaded("backend: { tls: verify_ca }").backend.tls.mode, BackendTlsMode::verify_ca);
  EXPECT_EQ(loaded("backend: { tls: { mode: preferred } }").backend.tls.mode,
            BackendTlsMode::preferred);
}

TEST(ConfigLoader, StoreTlsTrueUpgradesRedisToRediss) {
  Config config = loaded("cache: { store: 'redis://cache:6379', tls: true }");
  EXPECT_EQ(config.cache.store.scheme, StoreScheme::rediss);
  EXPECT_EQ(loaded("cache: { store: 'rediss://cache', tls: true }").cache.store.scheme,
            StoreScheme::rediss);
  EXPECT_EQ(loaded("cache: { store: 'redis://cache', tls: false }").cache.store.scheme,
            StoreScheme::redis);
}

TEST(ConfigLoader, CredentialKeysOverrideTheUrl) {
  Config config = loaded(
      "cache:\n"
      "  store: redis://url-user:url-password@cache\n"
      "  username: acl-user\n");
  EXPECT_EQ(config.cache.redis_username(), "acl-user");
  EXPECT_EQ(config.cache.redis_password(), "url-password");
  Config empty_password = loaded(
      "cache:\n"
      "  store: redis://u:url-password@cache\n"
      "  password: ''\n");
  EXPECT_EQ(empty_password.cache.redis_password(), "");
}

TEST(ConfigLoader, EnvironmentFillsAnyValue) {
  Config config = loaded(
      "listen: ${LISTEN}\n"
      "backend: { host: '${DB_HOST}', port: '${DB_PORT:-3306}' }\n"
      "cache: { store: '${STORE}', default_ttl: '${TTL}' }\n"
      "admin: { listen: '${ADMIN_LISTEN:-}', token: '$${literal}' }\n",
      fake_env({{"LISTEN", "0.0.0.0:4000"},
                {"DB_HOST", "db.internal"},
                {"STORE", "redis://cache:6380"},
                {"TTL", "5m"}}));
  EXPECT_EQ(config.listen[0], (HostPort{"0.0.0.0", 4000}));
  EXPECT_EQ(config.backend.host, "db.internal");
  EXPECT_EQ(config.backend.port, 3306);
  EXPECT_EQ(config.cache.store.port, 6380);
  EXPECT_EQ(config.cache.default_ttl, 5min);
  EXPECT_FALSE(config.admin.listen.has_value());
  EXPECT_EQ(config.admin.token, "${literal}");
}

TEST(ConfigLoader, KeysAreNotSubstituted) {
  LoadResult result = load_config_string("${KEY}: 1\n", "t.yaml", fake_env({{"KEY", "threads"}}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("unknown key '${KEY}'"), std::string::npos);
}

TEST(ConfigLoader, SecretsNeverAppearInErrors) {
  // Bad values that came from the environment are shown as written in the file; a store URL,
  // a password and a token are never shown at all.
  EnvLookup env = fake_env({{"SECRET", "hunter2"}});
  const char* files[] = {
      "idle_timeout: ${SECRET}\n",
      "listen: '${SECRET}'\n",
      "cache: { store: 'redis://u:hunter2@cache:99999' }\n",
      "cache: { store: 'redis://u:${SECRET}@cache/x' }\n",
      "cache: { store: memory, password: '${SECRET}' }\n",
      "cache: { password: '${SECRET}${MISSING}' }\n",
      "log: { level: '${SECRET}' }\n",
      "threads: '${SECRET}'\n",
  };
  for (const char* yaml : files) {
    LoadResult result = load_config_string(yaml, "t.yaml", env);
    ASSERT_FALSE(result.ok()) << yaml;
    std::string errors = all_errors(result);
    EXPECT_EQ(errors.find("hunter2"), std::string::npos) << errors;
  }
}

TEST(ConfigLoader, ValueFromTheEnvironmentIsShownAsWritten) {
  LoadResult result =
      load_config_string("idle_timeout: ${IDLE}\n", "t.yaml", fake_env({{"IDLE", "forever"}}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "t.yaml:1:15: idle_timeout: expected a duration like 30s, 500ms or 1h30m, got "
            "'${IDLE}'");
}

TEST(ConfigLoader, ErrorsComeInFileOrder) {
  LoadResult result = load_config_string(
      "log: { level: loud }\n"
      "threads: many\n"
      "cache: { hints: maybe }\n"
      "listen: nowhere\n",
      "t.yaml", fake_env({}));
  ASSERT_EQ(result.errors.size(), 4u);
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    EXPECT_EQ(result.errors[i].line, static_cast<int>(i) + 1) << all_errors(result);
  }
}

TEST(ConfigLoader, NoConfigWhenThereAreErrors) {
  LoadResult result = load_config_string("threads: -1\n", "t.yaml", fake_env({}));
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.config.has_value());
}

TEST(ConfigLoader, AdjustmentRunsBeforeTheConsistencyChecks) {
  // The file alone is inconsistent (a CA for a store without TLS); the adjustment fixes it.
  const char* yaml = "cache: { store: 'redis://cache', ca: /ca.pem }\n";
  EXPECT_FALSE(load_config_string(yaml, "t.yaml", fake_env({})).ok());
  LoadResult adjusted = load_config_string(yaml, "t.yaml", fake_env({}), [](Config& config) {
    config.cache.store.scheme = StoreScheme::rediss;
  });
  EXPECT_TRUE(adjusted.ok()) << all_errors(adjusted);
}

}  // namespace
}  // namespace sqlcache::config
