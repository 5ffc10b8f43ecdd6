// The server status flags a hit carries, against the real MariaDB and Redis. A cached result
// ends with the EOF/OK packet of the session that filled it, status flags included; the
// client reads them (libmysqlclient keeps them in MYSQL::server_status) to know whether it is
// inside a transaction. With cache.cache_in_transactions: true an entry can be filled inside
// a transaction and served outside one, or the other way round; the flags the client sees
// must still be its own session's.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

const std::string kSelect = "SELECT v FROM flags_item WHERE id = 1";

class CacheStatusFlagsTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("flags_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 7)"));
    CacheProxyConfig config = redis_config();
    config.extra_cache_yaml = "  cache_in_transactions: true\n";
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  }

  static bool in_transaction(MysqlClient& client) {
    return (client.handle()->server_status & SERVER_STATUS_IN_TRANS) != 0;
  }
};

TEST_F(CacheStatusFlagsTest, ReadInsideATransactionIsNotStoredForOthers) {
  MysqlClient filler;
  ASSERT_TRUE(connect_proxy(filler));
  ASSERT_TRUE(filler.exec("BEGIN"));
  ASSERT_TRUE(counted_query(filler, kSelect).result);  // answered from the transaction's snapshot
  ASSERT_TRUE(in_transaction(filler));

  // The snapshot answer may already be older than committed data: it must not be stored, so
  // the autocommit reader goes to the database, and is told it is not in a transaction.
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  CountedResult read = counted_query(reader, kSelect);
  ASSERT_TRUE(read.result);
  EXPECT_EQ(read.backend_count, 1) << "a read made inside a transaction filled the cache";
  EXPECT_FALSE(in_transaction(reader));
  ASSERT_TRUE(filler.exec("COMMIT"));
}

TEST_F(CacheStatusFlagsTest, HitInsideATransactionKeepsItsFlag) {
  MysqlClient filler;  // autocommit: fills the entry outside any transaction
  ASSERT_TRUE(connect_proxy(filler));
  ASSERT_TRUE(counted_query(filler, kSelect).result);

  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  ASSERT_TRUE(reader.exec("BEGIN"));
  ASSERT_TRUE(in_transaction(reader));
  CountedResult hit = counted_query(reader, kSelect);
  ASSERT_TRUE(hit.result);
  ASSERT_EQ(hit.backend_count, 0) << "cache_in_transactions: the reader is served the entry";
  if (!in_transaction(reader)) {
    FAIL() << "regression: a hit inside a transaction replays the filler's status "
                    "flags; the reader's MYSQL::server_status says its transaction ended";
  }
  EXPECT_TRUE(in_transaction(reader));
  ASSERT_TRUE(reader.exec("COMMIT"));
}

}  // namespace
}  // namespace sqlcache::testing
