// Invalidation and transactions, against the real MariaDB and Redis. A write through any proxy
// instance bumps the generations of the tables it touches before its OK reaches the client,
// so the writer, other clients of the same proxy and clients of a second proxy sharing the
// Redis all read their writes. Reads inside a transaction go to the database; COMMIT makes
// the new rows visible to every cached read, ROLLBACK leaves the old ones served. Writes that
// bypass the proxy are only seen once the TTL ends.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

const std::string kSelect = "SELECT v FROM inval_item WHERE id = 1";

class CacheInvalidationTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("inval_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 100), (2, 200)"));
    ASSERT_NO_FATAL_FAILURE(
        create_table("inval_other", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 1)"));
  }

  // The value of `sql` (one row, one column) and whether the backend ran a SELECT for it.
  struct Read {
    std::optional<std::string> value;
    std::optional<long long> backend_selects;
  };
  Read read(MysqlClient& client, const std::string& sql = kSelect) {
    CountedResult counted = counted_query(client, sql);
    Read result;
    result.backend_selects = counted.backend_count;
    if (counted.result && counted.result->rows.size() == 1 && counted.result->rows[0].size() == 1) {
      result.value = counted.result->rows[0][0];
    } else {
      ADD_FAILURE() << sql << " did not return one value: " << client.describe_error();
    }
    return result;
  }

  // Reads twice so the entry is filled and proven to be a hit, and returns the value.
  void warm(MysqlClient& client, const std::string& expected, const std::string& sql = kSelect) {
    Read first = read(client, sql);
    EXPECT_EQ(first.value, expected);
    Read second = read(client, sql);
    EXPECT_EQ(second.value, expected);
    EXPECT_EQ(second.backend_selects, 0) << sql << " should be cached before the write";
  }
};

TEST_F(CacheInvalidationTest, WriteInvalidatesForTheWritingClient) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  warm(client, "100");
  ASSERT_TRUE(client.exec("UPDATE inval_item SET v = 101 WHERE id = 1")) << client.describe_error();
  Read after = read(client);
  EXPECT_EQ(after.value, "101");
  EXPECT_EQ(after.backend_selects, 1);
  EXPECT_EQ(read(client).backend_selects, 0) << "the new value is cached again";
}

TEST_F(CacheInvalidationTest, EveryKindOfWriteInvalidates) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  const std::string count = "SELECT COUNT(*) FROM inval_item";
  struct Step {
    const char* write;
    const char* count_after;
  };
  const Step steps[] = {
      {"INSERT INTO inval_item VALUES (3, 300)", "3"},
      {"REPLACE INTO inval_item VALUES (4, 400)", "4"},
      {"DELETE FROM inval_item WHERE id = 4", "3"},
      {"INSERT INTO inval_item SELECT id + 10, v FROM inval_other", "4"},
      {"UPDATE inval_item i JOIN inval_other o ON o.id = i.id SET i.v = 7", "4"},
      {"TRUNCATE TABLE inval_item", "0"},
  };
  warm(client, "2", count);
  for (const Step& step : steps) {
    ASSERT_TRUE(client.exec(step.write)) << step.write << ": " << client.describe_error();
    Read after = read(client, count);
    EXPECT_EQ(after.value, step.count_after) << "after " << step.write;
    EXPECT_EQ(read(client, count).backend_selects, 0) << "refilled after " << step.write;
  }
}

TEST_F(CacheInvalidationTest, WriteToAnotherTableKeepsTheEntry) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  warm(client, "100");
  ASSERT_TRUE(client.exec("UPDATE inval_other SET v = v + 1")) << client.describe_error();
  EXPECT_EQ(read(client).backend_selects, 0) << "inval_item's generation did not move";
}

TEST_F(CacheInvalidationTest, WriteInvalidatesForAnotherClientOfTheSameProxy) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  warm(reader, "100");
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 102 WHERE id = 1")) << writer.describe_error();
  EXPECT_EQ(read(reader).value, "102") << "the write's OK came after the invalidation";
}

TEST_F(CacheInvalidationTest, WriteInvalidatesAcrossProxiesSharingRedis) {
  const CacheProxyConfig config = redis_config();  // same Redis, same key prefix
  std::size_t first = 0;
  std::size_t second = 0;
  ASSERT_NO_FATAL_FAILURE(start_proxy(config, &first));
  ASSERT_NO_FATAL_FAILURE(start_proxy(config, &second));
  MysqlClient on_first;
  ASSERT_TRUE(connect_proxy(on_first, first));
  MysqlClient on_second;
  ASSERT_TRUE(connect_proxy(on_second, second));

  warm(on_second, "100");
  EXPECT_EQ(read(on_first).backend_selects, 0) << "the second instance filled a shared entry";
  ASSERT_TRUE(on_first.exec("UPDATE inval_item SET v = 103 WHERE id = 1"))
      << on_first.describe_error();
  EXPECT_EQ(read(on_second).value, "103") << "read-your-writes across instances";
  // And the other way round.
  ASSERT_TRUE(on_second.exec("UPDATE inval_item SET v = 104 WHERE id = 1"))
      << on_second.describe_error();
  EXPECT_EQ(read(on_first).value, "104");
}

TEST_F(CacheInvalidationTest, ReadsInsideATransactionBypassTheCache) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  warm(client, "100");
  ASSERT_TRUE(client.exec("START TRANSACTION")) << client.describe_error();
  for (int i = 0; i < 2; ++i) {
    Read inside = read(client);
    EXPECT_EQ(inside.value, "100");
    EXPECT_EQ(inside.backend_selects, 1) << "read " << i << " inside the transaction was cached";
  }
  ASSERT_TRUE(client.exec("COMMIT"));
  EXPECT_EQ(read(client).backend_selects, 0) << "after it, the entry is used again";
}

TEST_F(CacheInvalidationTest, TransactionSeesItsOwnUncommittedWrite) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  warm(client, "100");
  ASSERT_TRUE(client.exec("BEGIN"));
  ASSERT_TRUE(client.exec("UPDATE inval_item SET v = 150 WHERE id = 1"));
  EXPECT_EQ(read(client).value, "150");
  ASSERT_TRUE(client.exec("ROLLBACK"));
}

TEST_F(CacheInvalidationTest, CommitMakesTheNewDataVisibleToCachedReads) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  warm(reader, "100");

  ASSERT_TRUE(writer.exec("BEGIN"));
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 110 WHERE id = 1")) << writer.describe_error();
  EXPECT_EQ(read(reader).value, "100") << "uncommitted: others still see the old row";
  ASSERT_TRUE(writer.exec("COMMIT")) << writer.describe_error();

  EXPECT_EQ(read(reader).value, "110") << "after COMMIT the new row is served";
  EXPECT_EQ(read(writer).value, "110");
  EXPECT_EQ(read(reader).backend_selects, 0) << "and cached again";
}

TEST_F(CacheInvalidationTest, EntryFilledDuringAnOpenTransactionIsNotServedAfterCommit) {
  // Another client refills the entry while the write is uncommitted (old row); COMMIT must
  // make that entry unreachable.
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  ASSERT_TRUE(writer.exec("BEGIN"));
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 120 WHERE id = 1"));
  warm(reader, "100");
  ASSERT_TRUE(writer.exec("COMMIT"));
  EXPECT_EQ(read(reader).value, "120");
}

TEST_F(CacheInvalidationTest, RollbackLeavesTheOldDataServed) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  warm(reader, "100");
  ASSERT_TRUE(writer.exec("BEGIN"));
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 130 WHERE id = 1"));
  EXPECT_EQ(read(writer).value, "130");
  ASSERT_TRUE(writer.exec("ROLLBACK")) << writer.describe_error();

  EXPECT_EQ(read(reader).value, "100");
  EXPECT_EQ(read(writer).value, "100") << "the writer sees the rolled-back row gone";
  Read cached = read(reader);
  EXPECT_EQ(cached.value, "100");
  EXPECT_EQ(cached.backend_selects, 0);
}

TEST_F(CacheInvalidationTest, AutocommitOffWriteIsInvalidatedAtCommit) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  warm(reader, "100");
  ASSERT_TRUE(writer.exec("SET autocommit = 0"));
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 140 WHERE id = 1"));
  ASSERT_TRUE(writer.exec("COMMIT"));
  EXPECT_EQ(read(reader).value, "140");
}

// MariaDB commits an open transaction when the session starts another, and COMMIT AND CHAIN
// commits and opens the next one at once. The session stays in a transaction throughout, but
// what the first one wrote is committed: entries others filled meanwhile hold the old rows.
TEST_F(CacheInvalidationTest, StatementsThatCommitAndStartTheNextTransactionInvalidate) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  const std::vector<std::string> statements = {
      "BEGIN",
      "BEGIN WORK",
      "START TRANSACTION",
      "START TRANSACTION READ ONLY",
      "START TRANSACTION WITH CONSISTENT SNAPSHOT",
      "COMMIT AND CHAIN",
      "COMMIT WORK AND CHAIN",
  };
  std::string committed = "100";
  for (std::size_t i = 0; i < statements.size(); ++i) {
    for (const bool autocommit : {true, false}) {
      const std::string& statement = statements[i];
      SCOPED_TRACE(statement + (autocommit ? ", after BEGIN" : ", with autocommit off"));
      MysqlClient writer;
      ASSERT_TRUE(connect_proxy(writer));
      MysqlClient reader;
      ASSERT_TRUE(connect_proxy(reader));
      const std::string value = std::to_string(300 + 2 * i + (autocommit ? 0 : 1));
      ASSERT_TRUE(writer.exec(autocommit ? "BEGIN" : "SET autocommit = 0"));
      ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = " + value + " WHERE id = 1"))
          << writer.describe_error();
      warm(reader, committed);
      ASSERT_TRUE(writer.exec(statement)) << writer.describe_error();
      committed = value;
      EXPECT_EQ(read(reader).value, committed) << "the write was committed";
      ASSERT_TRUE(writer.exec("ROLLBACK"));
    }
  }
}

// The same inside a multi-statement, whose parts the proxy does not follow one by one.
TEST_F(CacheInvalidationTest, AMultiStatementThatCommitsAndStartsTheNextTransactionInvalidates) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer, 0, kCacheDatabase, CLIENT_MULTI_STATEMENTS));
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  ASSERT_TRUE(writer.exec("BEGIN"));
  ASSERT_TRUE(writer.exec("UPDATE inval_item SET v = 500 WHERE id = 1")) << writer.describe_error();
  warm(reader, "100");
  ASSERT_EQ(mysql_query(writer.handle(), "SELECT 1; COMMIT AND CHAIN"), 0)
      << writer.describe_error();
  do {
    if (MYSQL_RES* result = mysql_store_result(writer.handle())) mysql_free_result(result);
  } while (mysql_next_result(writer.handle()) == 0);
  EXPECT_EQ(read(reader).value, "500") << "the write was committed";
  ASSERT_TRUE(writer.exec("ROLLBACK"));
}

TEST_F(CacheInvalidationTest, WriteOutsideTheProxyIsSeenOnlyAfterTheTtl) {
  // Documented behaviour (docs/caching.md): nothing tells the proxy about writes that do not
  // pass through it, so the TTL bounds how long the old row is served.
  CacheProxyConfig config = redis_config();
  config.rules = {{std::string(kCacheDatabase) + ".inval_item", "1s"}};
  ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  warm(client, "100");
  admin_exec("UPDATE inval_item SET v = 160 WHERE id = 1");
  EXPECT_EQ(read(client).value, "100") << "stale until the TTL ends";
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(read(client).value, "160");
}

}  // namespace
}  // namespace sqlcache::testing
