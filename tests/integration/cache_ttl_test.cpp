// How long entries live, against the real MariaDB and Redis: per-table rules (db.table, db.*,
// *.table, ttl 0 = never cached), the smallest TTL over a join, and the per-query hints
// (/*+ sqlcache ttl=1s */ overrides the rule, /*+ sqlcache off */ bypasses).
//
// A "1 s" entry must be a hit shortly after it was filled and a miss ~1.2 s later; the
// 60 s default keeps its entries over the same wait, which shows the expiry comes from the
// rule and not from anything else.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

using std::chrono::milliseconds;

// Longer than a 1 s TTL by enough to absorb scheduling on a busy machine, short enough to be
// far below the 60 s default.
constexpr milliseconds kPastOneSecond{1200};

class CacheTtlTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    for (const char* table : {"ttl_short", "ttl_long", "ttl_never", "ttl_schema_rule"}) {
      ASSERT_NO_FATAL_FAILURE(
          create_table(table, "id INT PRIMARY KEY, v VARCHAR(16)", "(1, 'one'), (2, 'two')"));
    }
  }

  // The configuration most tests use: one table at 1 s, one never cached, the rest 60 s.
  CacheProxyConfig rules_config() const {
    CacheProxyConfig config = redis_config();
    config.default_ttl = "60s";
    config.rules = {{std::string(kCacheDatabase) + ".ttl_short", "1s"},
                    {std::string(kCacheDatabase) + ".ttl_never", "0"}};
    return config;
  }

  // Fills the entry of `sql` (a miss), returning how many SELECTs the backend ran for it.
  std::optional<long long> run(MysqlClient& client, const std::string& sql) {
    CountedResult counted = counted_query(client, sql);
    EXPECT_TRUE(counted.result) << sql << ": " << client.describe_error();
    return counted.backend_count;
  }
};

TEST_F(CacheTtlTest, EntryExpiresAfterItsTablesTtl) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string sql = "SELECT v FROM ttl_short WHERE id = 1";
  EXPECT_EQ(run(client, sql), 1);
  EXPECT_EQ(run(client, sql), 0) << "hit while the 1 s TTL runs";
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, sql), 1) << "miss once the 1 s TTL is over";
  EXPECT_EQ(run(client, sql), 0) << "and the refilled entry is a hit again";
}

TEST_F(CacheTtlTest, DefaultTtlAppliesToTablesWithoutARule) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string sql = "SELECT v FROM ttl_long WHERE id = 1";
  EXPECT_EQ(run(client, sql), 1);
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, sql), 0) << "the 60 s default outlives the wait";
}

TEST_F(CacheTtlTest, TableWithTtlZeroIsNeverCached) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string sql = "SELECT v FROM ttl_never WHERE id = 1";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(client, sql), 1) << "run " << i;
}

TEST_F(CacheTtlTest, DefaultTtlZeroCachesOnlyTablesWithARule) {
  CacheProxyConfig config = rules_config();
  config.default_ttl = "0";
  ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 1"), 1);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 1"), 1) << "no rule: not cached";
  EXPECT_EQ(run(client, "SELECT v FROM ttl_short WHERE id = 1"), 1);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_short WHERE id = 1"), 0) << "its rule caches it";
}

TEST_F(CacheTtlTest, SchemaAndTableWildcardRulesApplyMostSpecificFirst) {
  // db.table beats db.*, which beats *.table (docs/configuration.md).
  const std::string db = kCacheDatabase;
  const std::string other = db + "_other";
  admin_exec("CREATE DATABASE IF NOT EXISTS " + other);
  ASSERT_NO_FATAL_FAILURE(
      create_table(other + ".ttl_never", "id INT PRIMARY KEY, v VARCHAR(16)", "(2, 'elsewhere')"));
  CacheProxyConfig config = redis_config();
  config.rules = {{"*.ttl_never", "0"},        // that table name in any schema: never
                  {db + ".*", "1s"},           // every table of this schema: 1 s
                  {db + ".ttl_long", "60s"}};  // this one table: 60 s
  ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));

  const std::string elsewhere = "SELECT v FROM " + other + ".ttl_never WHERE id = 2";
  EXPECT_EQ(run(client, elsewhere), 1);
  EXPECT_EQ(run(client, elsewhere), 1) << "only *.ttl_never covers it: ttl 0";
  EXPECT_EQ(run(client, "SELECT v FROM ttl_never WHERE id = 2"), 1);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_never WHERE id = 2"), 0) << "db.* beats *.ttl_never";
  EXPECT_EQ(run(client, "SELECT v FROM ttl_schema_rule WHERE id = 2"), 1);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 2"), 1);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_schema_rule WHERE id = 2"), 0) << "db.*: cached";
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, "SELECT v FROM ttl_schema_rule WHERE id = 2"), 1) << "db.* is 1 s";
  EXPECT_EQ(run(client, "SELECT v FROM ttl_never WHERE id = 2"), 1) << "db.* is 1 s";
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 2"), 0) << "db.table (60 s) wins";
}

TEST_F(CacheTtlTest, JoinTakesTheSmallestTtlOfItsTables) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string join =
      "SELECT s.v, l.v FROM ttl_short s JOIN ttl_long l ON l.id = s.id WHERE s.id = 1";
  EXPECT_EQ(run(client, join), 1);
  EXPECT_EQ(run(client, join), 0);
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, join), 1) << "ttl_short's 1 s bounds the join, not ttl_long's 60 s";
}

TEST_F(CacheTtlTest, JoinWithATableOfTtlZeroIsNeverCached) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string join =
      "SELECT n.v, l.v FROM ttl_never n JOIN ttl_long l ON l.id = n.id WHERE n.id = 1";
  EXPECT_EQ(run(client, join), 1);
  EXPECT_EQ(run(client, join), 1);
  const std::string subquery =
      "SELECT v FROM ttl_long WHERE id IN (SELECT id FROM ttl_never WHERE v = 'one')";
  EXPECT_EQ(run(client, subquery), 1);
  EXPECT_EQ(run(client, subquery), 1) << "a table read in a subquery counts as well";
}

TEST_F(CacheTtlTest, TtlHintOverridesTheRule) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string hinted = "SELECT /*+ sqlcache ttl=1s */ v FROM ttl_long WHERE id = 1";
  EXPECT_EQ(run(client, hinted), 1);
  EXPECT_EQ(run(client, hinted), 0);
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, hinted), 1) << "the hint's 1 s replaces the table's 60 s";
}

TEST_F(CacheTtlTest, TtlHintCanLengthenTheRule) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string hinted = "SELECT /*+ sqlcache ttl=30s */ v FROM ttl_short WHERE id = 2";
  EXPECT_EQ(run(client, hinted), 1);
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, hinted), 0) << "the hint's 30 s replaces the table's 1 s";
}

TEST_F(CacheTtlTest, HintIsNotPartOfTheKey) {
  // A hint of nothing but sqlcache directives says how to cache, not what: the hinted query
  // and the plain one are the same entry.
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 2"), 1);
  EXPECT_EQ(run(client, "SELECT /*+ sqlcache ttl=30s */ v FROM ttl_long WHERE id = 2"), 0);
}

TEST_F(CacheTtlTest, OffHintBypassesTheCache) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string off = "SELECT /*+ sqlcache off */ v FROM ttl_long WHERE id = 1";
  EXPECT_EQ(run(client, off), 1);
  EXPECT_EQ(run(client, off), 1);
  // ...and it did not fill the entry of the same query without the hint.
  EXPECT_EQ(run(client, "SELECT v FROM ttl_long WHERE id = 1"), 1);
}

TEST_F(CacheTtlTest, HintsAreIgnoredWhenTurnedOff) {
  CacheProxyConfig config = rules_config();
  config.extra_cache_yaml = "  hints: false\n";
  ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string hinted = "SELECT /*+ sqlcache ttl=1s */ v FROM ttl_long WHERE id = 2";
  EXPECT_EQ(run(client, hinted), 1);
  std::this_thread::sleep_for(kPastOneSecond);
  EXPECT_EQ(run(client, hinted), 0) << "with hints: false the table's 60 s applies";
}

TEST_F(CacheTtlTest, TtlHintDoesNotCacheATableWhoseRuleIsZero) {
  // `ttl: 0` is the operator's "never cache this table" (docs/configuration.md); a hint in
  // application SQL must not overrule it.
  ASSERT_NO_FATAL_FAILURE(start_proxy(rules_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string hinted = "SELECT /*+ sqlcache ttl=30s */ v FROM ttl_never WHERE id = 1";
  EXPECT_EQ(run(client, hinted), 1);
  const std::optional<long long> second = run(client, hinted);
  if (second == 0) {
    // proxy/query_cache.cpp plan_read(): `if (hints && ttl_hint) ttl = *ttl_hint;` replaces
    // the rule's 0 as well. Reported; remove this skip when the proxy keeps 0 as "never".
    FAIL() << "regression: a ttl= hint caches a table whose rule is ttl 0 (second run "
                    "served from the cache)";
  }
  EXPECT_EQ(second, 1) << "a ttl 0 table was served from the cache";
}

}  // namespace
}  // namespace sqlcache::testing
