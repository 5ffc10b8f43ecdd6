// Reads inside transactions that the cache may answer, against the real MariaDB and Redis:
// the implicit transaction of an autocommit=0 session that has not written (pymysql's
// default), and any transaction with cache.cache_in_transactions: true.
//
// InnoDB's REPEATABLE READ gives such a transaction a snapshot taken at its first read: a
// later read returns the rows as they were then, even after other sessions committed newer
// ones. That answer is right for the transaction, and wrong for everybody else: stored under
// the current generations, it would be served to every session as current data.
#include <gtest/gtest.h>

#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

const std::string kSelect = "SELECT v FROM snapshot_item WHERE id = 1";

class CacheTransactionSnapshotTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("snapshot_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 100)"));
  }

  std::optional<std::string> value(MysqlClient& client, std::optional<long long>* selects) {
    CountedResult counted = counted_query(client, kSelect);
    if (selects != nullptr) *selects = counted.backend_count;
    if (!counted.result || counted.result->rows.size() != 1) {
      ADD_FAILURE() << client.describe_error();
      return std::nullopt;
    }
    return counted.result->rows[0][0];
  }
  std::optional<std::string> value(MysqlClient& client) { return value(client, nullptr); }

  // The scenario: `old_reader` is inside a transaction whose snapshot holds v = 100; another
  // client commits v = 101 through the proxy; `old_reader` reads again (its snapshot: 100)
  // through the proxy; then a fresh autocommit client asks. It must get 101.
  void expect_snapshot_not_served_to_others(MysqlClient& old_reader, const char* what) {
    EXPECT_EQ(value(old_reader), "100");
    MysqlClient writer;
    ASSERT_TRUE(connect_proxy(writer));
    ASSERT_TRUE(writer.exec("UPDATE snapshot_item SET v = 101 WHERE id = 1"))
        << writer.describe_error();
    EXPECT_EQ(value(old_reader), "100") << "REPEATABLE READ: the transaction keeps its snapshot";

    MysqlClient fresh;
    ASSERT_TRUE(connect_proxy(fresh));
    const std::optional<std::string> seen = value(fresh);
    ASSERT_EQ(admin_.scalar(kSelect), "101");
    if (seen == "100") {
      // proxy/query_cache.cpp: plan_read() lets these reads use the cache, and serve_read()
      // stores their result under the generations read before it.
      FAIL() << "regression: " << what
                   << ": a transaction's snapshot read was stored as the current entry; a "
                      "fresh autocommit client was served v = 100 after v = 101 was committed "
                      "through the proxy";
    }
    EXPECT_EQ(seen, "101");
  }
};

TEST_F(CacheTransactionSnapshotTest, AutocommitOffSessionReadsUseTheCache) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  ASSERT_TRUE(client.exec("SET autocommit = 0"));
  std::optional<long long> selects;
  EXPECT_EQ(value(client, &selects), "100");
  EXPECT_EQ(selects, 1);
  EXPECT_EQ(value(client, &selects), "100");
  EXPECT_EQ(selects, 0) << "an implicit transaction that has not written reads from the cache";
}

TEST_F(CacheTransactionSnapshotTest, AutocommitOffSessionReadsItsOwnUncommittedWrite) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  ASSERT_TRUE(client.exec("SET autocommit = 0"));
  EXPECT_EQ(value(client), "100");
  ASSERT_TRUE(client.exec("UPDATE snapshot_item SET v = 170 WHERE id = 1"));
  std::optional<long long> selects;
  EXPECT_EQ(value(client, &selects), "170") << "its own uncommitted write";
  EXPECT_EQ(selects, 1);
  ASSERT_TRUE(client.exec("ROLLBACK"));
  EXPECT_EQ(value(client), "100");
  MysqlClient other;
  ASSERT_TRUE(connect_proxy(other));
  EXPECT_EQ(value(other), "100");
}

TEST_F(CacheTransactionSnapshotTest, ImplicitTransactionSnapshotIsNotServedToOthers) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient old_reader;  // autocommit off, never commits: pymysql's default, read-only app
  ASSERT_TRUE(connect_proxy(old_reader));
  ASSERT_TRUE(old_reader.exec("SET autocommit = 0"));
  expect_snapshot_not_served_to_others(old_reader, "autocommit=0 implicit transaction");
}

TEST_F(CacheTransactionSnapshotTest, ExplicitTransactionSnapshotIsNotServedToOthers) {
  CacheProxyConfig config = redis_config();
  config.extra_cache_yaml = "  cache_in_transactions: true\n";
  ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  MysqlClient old_reader;
  ASSERT_TRUE(connect_proxy(old_reader));
  ASSERT_TRUE(old_reader.exec("START TRANSACTION"));
  expect_snapshot_not_served_to_others(old_reader, "cache_in_transactions: true");
}

}  // namespace
}  // namespace sqlcache::testing
