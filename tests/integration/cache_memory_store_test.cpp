// The in-process store (`store: memory`): caching works with no Redis configured at all,
// hits and invalidation included, against the real MariaDB.
#include <gtest/gtest.h>
#include <mysql.h>

#include <chrono>
#include <string>
#include <thread>

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

// A result far larger than the loopback socket buffers, to a client that reads nothing for a
// while: the proxy's send stops part-way (inside a row, and on a hit inside one of the stored
// response's parts), and what is left must follow once the client reads, byte for byte, on the
// miss that streams it from the database and on the hit that replays it from the store.
class CacheMemoryStoreLargeResultTest : public CacheTest {
 protected:
  bool needs_redis() const override { return false; }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    std::string rows;
    for (int id = 1; id <= kRows; ++id) {
      rows += (id > 1 ? ", (" : "(") + std::to_string(id) + ", '" +
              std::string(1, static_cast<char>('a' + id)) + "')";
    }
    ASSERT_NO_FATAL_FAILURE(create_table("memory_large", "id INT PRIMARY KEY, v CHAR(1)", rows));
    CacheProxyConfig config;
    config.store = CacheProxyConfig::Store::kMemory;
    config.key_prefix = key_prefix();
    config.extra_cache_yaml = "  memory_limit: 1GiB\n  max_result_bytes: 32MiB\n";
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  }

  // Sends `sql`, lets the proxy fill every buffer on the way, then reads the whole result.
  std::optional<FullResult> query_read_late(MysqlClient& client, const std::string& sql) {
    if (mysql_send_query(client.handle(), sql.data(), sql.size()) != 0) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (mysql_read_query_result(client.handle()) != 0) return std::nullopt;
    MYSQL_RES* result = mysql_store_result(client.handle());
    if (result == nullptr) return std::nullopt;
    FullResult full{column_definitions(result), fetch_all_rows(result)};
    mysql_free_result(result);
    return full;
  }

  static constexpr int kRows = 20;  // of 1 MB each
};

TEST_F(CacheMemoryStoreLargeResultTest, ASlowReaderGetsAResultLargerThanTheSocketBuffersWhole) {
  const std::string sql = "SELECT id, REPEAT(v, 1000000) AS big FROM memory_large ORDER BY id";
  MysqlClient direct;
  ASSERT_TRUE(connect_direct_utf8(direct));
  const std::optional<FullResult> reference = full_result(direct, sql);
  ASSERT_TRUE(reference) << direct.describe_error();
  ASSERT_EQ(reference->rows.size(), static_cast<std::size_t>(kRows));

  // One connection for both: the miss stores the entry before the session reads its next
  // command, so the second run is a hit.
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  for (const char* run : {"miss", "hit"}) {
    std::optional<FullResult> result;
    const long long backend_count =
        counter_delta("Com_select", [&] { result = query_read_late(client, sql); }).value_or(-1);
    ASSERT_TRUE(result) << run << ": " << client.describe_error();
    EXPECT_TRUE(*result == *reference) << run << ": the result differs from the database's";
    EXPECT_EQ(backend_count, std::string(run) == "miss" ? 1 : 0) << run;
  }
}

}  // namespace
}  // namespace sqlcache::testing
