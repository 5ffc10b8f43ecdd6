// Results the proxy relays but does not store, against the real MariaDB and Redis: larger than
// cache.max_result_bytes, more rows than cache.max_result_rows, with warnings, or an error.
// Each must reach the client exactly as the database sent it, every time, and never come back
// from the cache (no negative caching: an error fixed on the database is gone at once).
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

class CacheResultLimitsTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(create_table(
        "limits_item", "id INT PRIMARY KEY, v VARCHAR(8)",
        "(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h')"));
    CacheProxyConfig config = redis_config();
    config.extra_cache_yaml = "  max_result_bytes: 1KiB\n  max_result_rows: 5\n";
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
    ASSERT_TRUE(connect_proxy(client_));
    ASSERT_TRUE(connect_direct_utf8(direct_));
  }

  // Runs `sql` twice through the proxy: both runs must reach the database and equal the
  // database's own answer.
  void expect_relayed_not_cached(const std::string& sql) {
    std::optional<FullResult> reference = full_result(direct_, sql);
    ASSERT_TRUE(reference) << direct_.describe_error();
    for (int run = 0; run < 2; ++run) {
      CountedResult counted = counted_query(client_, sql);
      EXPECT_EQ(counted.backend_count, 1) << sql << ": run " << run << " came from the cache";
      EXPECT_EQ(counted.result, reference) << sql << ": run " << run;
    }
  }

  void expect_cached(const std::string& sql) {
    ASSERT_TRUE(counted_query(client_, sql).result) << client_.describe_error();
    EXPECT_EQ(counted_query(client_, sql).backend_count, 0) << sql;
  }

  MysqlClient client_;
  MysqlClient direct_;
};

TEST_F(CacheResultLimitsTest, ResultLargerThanMaxResultBytesIsRelayedButNotCached) {
  expect_relayed_not_cached("SELECT id, REPEAT(v, 3000) FROM limits_item WHERE id <= 2");
  expect_cached("SELECT id, REPEAT(v, 30) FROM limits_item WHERE id <= 2");
}

TEST_F(CacheResultLimitsTest, ResultWithMoreRowsThanMaxResultRowsIsNotCached) {
  expect_relayed_not_cached("SELECT id, v FROM limits_item ORDER BY id");
  expect_cached("SELECT id, v FROM limits_item WHERE id <= 5 ORDER BY id");
}

TEST_F(CacheResultLimitsTest, ResultWithWarningsIsNotCached) {
  const std::string sql = "SELECT CAST(CONCAT('12', v) AS SIGNED) FROM limits_item WHERE id = 1";
  expect_relayed_not_cached(sql);
  ASSERT_TRUE(full_result(client_, sql));
  EXPECT_EQ(mysql_warning_count(client_.handle()), 1u) << "the client still sees the warning";
}

TEST_F(CacheResultLimitsTest, ErrorsAreNotCached) {
  const std::string sql = "SELECT later FROM limits_item WHERE id = 1";
  for (int run = 0; run < 2; ++run) {
    EXPECT_FALSE(full_result(client_, sql));
    EXPECT_EQ(client_.error_code(), 1054u) << "run " << run << ": " << client_.describe_error();
  }
  admin_exec("ALTER TABLE limits_item ADD COLUMN later INT NOT NULL DEFAULT 42");
  std::optional<FullResult> fixed = full_result(client_, sql);
  ASSERT_TRUE(fixed) << "the error was served again: " << client_.describe_error();
  EXPECT_EQ(fixed->rows, (Rows{{"42"}}));
}

}  // namespace
}  // namespace sqlcache::testing
