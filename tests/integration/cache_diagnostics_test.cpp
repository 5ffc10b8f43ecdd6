// What SHOW WARNINGS, SHOW ERRORS and @@warning_count say after a hit. A hit never reaches the
// database, whose diagnostics area still holds an older statement's conditions; the database
// itself would have cleared them for the hit's statement (it reads a table). The client must
// see what it would see without the proxy: nothing, since a result with warnings is never
// stored.
#include <gtest/gtest.h>

#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

constexpr const char* kHitSql = "SELECT v FROM diagnostics_item WHERE id = 2";

class CacheDiagnosticsTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("diagnostics_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 10), (2, 20)"));
    ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
    ASSERT_TRUE(connect_proxy(client_));
    ASSERT_EQ(client_.scalar(kHitSql), "20") << client_.describe_error();
    expect_hit();
  }

  void expect_hit() {
    CountedResult hit = counted_query(client_, kHitSql);
    ASSERT_TRUE(hit.result) << client_.describe_error();
    ASSERT_EQ(hit.backend_count, 0) << kHitSql << " should be a hit";
  }

  std::size_t rows_of(const std::string& sql) {
    std::optional<Rows> rows = client_.query(sql);
    EXPECT_TRUE(rows) << sql << ": " << client_.describe_error();
    return rows ? rows->size() : 0;
  }

  MysqlClient client_;
};

TEST_F(CacheDiagnosticsTest, WarningsOfTheStatementBeforeAHitAreNotShownAfterIt) {
  ASSERT_TRUE(client_.query("SELECT 1/0 FROM diagnostics_item LIMIT 1"));
  ASSERT_EQ(rows_of("SHOW WARNINGS"), 1u) << "division by zero, straight from the database";
  ASSERT_TRUE(client_.query("SELECT 1/0 FROM diagnostics_item LIMIT 1"));
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  EXPECT_EQ(rows_of("SHOW WARNINGS"), 0u);
  EXPECT_EQ(client_.scalar("SHOW COUNT(*) WARNINGS"), "0");

  ASSERT_TRUE(client_.query("SELECT 1/0 FROM diagnostics_item LIMIT 1"));
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  EXPECT_EQ(client_.scalar("SELECT @@warning_count"), "0");
}

TEST_F(CacheDiagnosticsTest, AnErrorBeforeAHitIsNotShownAfterIt) {
  EXPECT_FALSE(client_.query("SELECT no_such_column FROM diagnostics_item"));
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  EXPECT_EQ(rows_of("SHOW ERRORS"), 0u);
  EXPECT_FALSE(client_.query("SELECT no_such_column FROM diagnostics_item"));
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  EXPECT_EQ(client_.scalar("SELECT @@session.error_count"), "0");
}

// A statement without tables leaves the database's diagnostics area alone: after a hit, the
// warnings are still the hit's (none), not those of the statement before it.
TEST_F(CacheDiagnosticsTest, AStatementWithoutTablesAfterAHitKeepsItsEmptyWarnings) {
  ASSERT_TRUE(client_.query("SELECT 1/0 FROM diagnostics_item LIMIT 1"));
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  ASSERT_EQ(client_.scalar("SELECT 1"), "1");
  EXPECT_EQ(rows_of("SHOW WARNINGS"), 0u);
}

// The proxy changes nothing when no hit came in between.
TEST_F(CacheDiagnosticsTest, WarningsOfAStatementTheDatabaseRanAreShown) {
  ASSERT_NO_FATAL_FAILURE(expect_hit());
  ASSERT_TRUE(client_.query("SELECT 1/0 FROM diagnostics_item LIMIT 1"));
  EXPECT_EQ(rows_of("SHOW WARNINGS"), 1u);
  EXPECT_EQ(client_.scalar("SELECT @@warning_count"), "1");
}

}  // namespace
}  // namespace sqlcache::testing
