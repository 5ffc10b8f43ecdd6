// The in-process store (`store: memory`): caching works with no Redis configured at all,
// hits and invalidation included, against the real MariaDB.
#include <gtest/gtest.h>

#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

class CacheMemoryStoreTest : public CacheTest {
 protected:
  bool needs_redis() const override { return false; }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("memory_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 10), (2, 20)"));
    CacheProxyConfig config;
    config.store = CacheProxyConfig::Store::kMemory;
    config.key_prefix = key_prefix();
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  }
};

TEST_F(CacheMemoryStoreTest, SecondIdenticalSelectIsAHit) {
  const std::string sql = "SELECT id, v FROM memory_item ORDER BY id";
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  CountedResult miss = counted_query(client, sql);
  ASSERT_TRUE(miss.result) << client.describe_error();
  EXPECT_EQ(miss.backend_count, 1);
  CountedResult hit = counted_query(client, sql);
  ASSERT_TRUE(hit.result) << client.describe_error();
  EXPECT_EQ(hit.backend_count, 0);
  EXPECT_EQ(hit.result, miss.result);

  MysqlClient other;  // another connection: the store belongs to the process, not the session
  ASSERT_TRUE(connect_proxy(other));
  EXPECT_EQ(counted_query(other, sql).backend_count, 0);
}

TEST_F(CacheMemoryStoreTest, WriteThroughTheProxyInvalidates) {
  const std::string sql = "SELECT v FROM memory_item WHERE id = 1";
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  ASSERT_TRUE(counted_query(reader, sql).result);
  EXPECT_EQ(counted_query(reader, sql).backend_count, 0);

  ASSERT_TRUE(writer.exec("UPDATE memory_item SET v = 11 WHERE id = 1")) << writer.describe_error();
  CountedResult after = counted_query(reader, sql);
  ASSERT_TRUE(after.result);
  EXPECT_EQ(after.result->rows, (Rows{{"11"}}));
  EXPECT_EQ(after.backend_count, 1);
  EXPECT_EQ(counted_query(reader, sql).backend_count, 0);
}

}  // namespace
}  // namespace sqlcache::testing
