// Writes through the proxy that change tables the statement text does not name, against the
// real MariaDB and Redis: a stored procedure, a RENAME that swaps tables, a foreign key's
// ON DELETE / ON UPDATE CASCADE, a trigger, views over a written table and writes through a
// view, and such objects created after the proxy read the schema catalog. Whoever made the
// write must read its effect, as with any other write through the proxy (read-your-writes); a
// stale entry here is a wrong answer, not a slow one.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

class CacheIndirectWriteTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    // Before the proxy's first miss reads the catalog: views an earlier test left must not be
    // in it, for the tests that create them around the proxy.
    admin_exec("DROP VIEW IF EXISTS indirect_big_stock_view");
    admin_exec("DROP VIEW IF EXISTS indirect_stock_view");
    ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
    ASSERT_TRUE(connect_proxy(client_));
  }

  // The single value `sql` returns through the proxy, and whether the backend ran it.
  std::optional<std::string> value(const std::string& sql,
                                   std::optional<long long>* backend_selects = nullptr) {
    CountedResult counted = counted_query(client_, sql);
    if (backend_selects != nullptr) *backend_selects = counted.backend_count;
    if (!counted.result || counted.result->rows.size() != 1 ||
        counted.result->rows[0].size() != 1) {
      ADD_FAILURE() << sql << ": " << client_.describe_error();
      return std::nullopt;
    }
    return counted.result->rows[0][0];
  }

  // Reads `sql` twice, the second time from the cache, and returns the value.
  std::optional<std::string> cached_value(const std::string& sql) {
    value(sql);
    std::optional<long long> selects;
    std::optional<std::string> result = value(sql, &selects);
    EXPECT_EQ(selects, 0) << sql << " should be cached before the write";
    return result;
  }

  // indirect_stock (sku, qty) holding `rows`, after dropping the views earlier tests left over
  // it.
  void create_stock(const std::string& rows) {
    admin_exec("DROP VIEW IF EXISTS indirect_big_stock_view");
    admin_exec("DROP VIEW IF EXISTS indirect_stock_view");
    create_table("indirect_stock", "sku INT PRIMARY KEY, qty INT NOT NULL", rows);
  }

  // The value straight from the database.
  std::optional<std::string> database_value(const std::string& sql) { return admin_.scalar(sql); }

  MysqlClient client_;
};

TEST_F(CacheIndirectWriteTest, StoredProcedureWriteInvalidates) {
  ASSERT_NO_FATAL_FAILURE(
      create_table("indirect_proc_item", "id INT PRIMARY KEY, v INT NOT NULL", "(1, 1)"));
  admin_exec("DROP PROCEDURE IF EXISTS indirect_bump");
  admin_exec(
      "CREATE PROCEDURE indirect_bump() UPDATE indirect_proc_item SET v = v + 1 WHERE id = 1");
  const std::string sql = "SELECT v FROM indirect_proc_item WHERE id = 1";
  EXPECT_EQ(cached_value(sql), "1");
  ASSERT_TRUE(client_.exec("CALL indirect_bump()")) << client_.describe_error();
  EXPECT_EQ(value(sql), "2") << "CALL may write any table: everything it can reach goes";
}

TEST_F(CacheIndirectWriteTest, RenameSwapInvalidatesBothNames) {
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_live", "v VARCHAR(8)", "('old')"));
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_staged", "v VARCHAR(8)", "('new')"));
  admin_exec("DROP TABLE IF EXISTS indirect_swap");
  const std::string sql = "SELECT v FROM indirect_live";
  EXPECT_EQ(cached_value(sql), "old");
  ASSERT_TRUE(
      client_.exec("RENAME TABLE indirect_live TO indirect_swap, indirect_staged TO "
                   "indirect_live, indirect_swap TO indirect_staged"))
      << client_.describe_error();
  EXPECT_EQ(value(sql), "new");
  EXPECT_EQ(value("SELECT v FROM indirect_staged"), "old");
}

TEST_F(CacheIndirectWriteTest, ForeignKeyCascadeDeleteInvalidatesTheChildTable) {
  admin_exec("DROP TABLE IF EXISTS indirect_child");
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_parent", "id INT PRIMARY KEY", "(1), (2)"));
  ASSERT_NO_FATAL_FAILURE(
      create_table("indirect_child",
                   "id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES "
                   "indirect_parent (id) ON DELETE CASCADE ON UPDATE CASCADE",
                   "(10, 1), (11, 1), (20, 2)"));
  const std::string count = "SELECT COUNT(*) FROM indirect_child";
  EXPECT_EQ(cached_value(count), "3");
  ASSERT_TRUE(client_.exec("DELETE FROM indirect_parent WHERE id = 1")) << client_.describe_error();
  ASSERT_EQ(database_value(count), "1") << "the database cascaded the delete";
  EXPECT_EQ(value(count), "1") << "the child's entry must go with the parent's row";
}

TEST_F(CacheIndirectWriteTest, ForeignKeyCascadeUpdateInvalidatesTheChildTable) {
  admin_exec("DROP TABLE IF EXISTS indirect_child");
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_parent", "id INT PRIMARY KEY", "(1), (2)"));
  ASSERT_NO_FATAL_FAILURE(
      create_table("indirect_child",
                   "id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES "
                   "indirect_parent (id) ON DELETE CASCADE ON UPDATE CASCADE",
                   "(10, 1)"));
  const std::string parent_of = "SELECT parent_id FROM indirect_child WHERE id = 10";
  EXPECT_EQ(cached_value(parent_of), "1");
  ASSERT_TRUE(client_.exec("UPDATE indirect_parent SET id = 5 WHERE id = 1"))
      << client_.describe_error();
  ASSERT_EQ(database_value(parent_of), "5");
  EXPECT_EQ(value(parent_of), "5");
}

TEST_F(CacheIndirectWriteTest, TriggerWriteInvalidatesTheTableItWrites) {
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_order", "id INT PRIMARY KEY", ""));
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_order_count", "n INT NOT NULL", "(0)"));
  admin_exec(
      "CREATE TRIGGER indirect_order_counter AFTER INSERT ON indirect_order FOR EACH ROW "
      "UPDATE indirect_order_count SET n = n + 1");
  const std::string count = "SELECT n FROM indirect_order_count";
  EXPECT_EQ(cached_value(count), "0");
  ASSERT_TRUE(client_.exec("INSERT INTO indirect_order VALUES (1)")) << client_.describe_error();
  ASSERT_EQ(database_value(count), "1") << "the trigger ran";
  EXPECT_EQ(value(count), "1");
}

TEST_F(CacheIndirectWriteTest, WriteToABaseTableInvalidatesViewsOverIt) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5), (2, 50)"));
  admin_exec(
      "CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock WHERE qty > 0");
  admin_exec(
      "CREATE VIEW indirect_big_stock_view AS SELECT sku FROM indirect_stock_view WHERE qty > 10");
  const std::string total = "SELECT SUM(qty) FROM indirect_stock_view";
  const std::string big = "SELECT COUNT(*) FROM indirect_big_stock_view";
  EXPECT_EQ(cached_value(total), "55");
  EXPECT_EQ(cached_value(big), "1");
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 20 WHERE sku = 1"))
      << client_.describe_error();
  EXPECT_EQ(value(total), "70") << "a view over the written table";
  EXPECT_EQ(value(big), "2") << "a view over a view over the written table";
}

TEST_F(CacheIndirectWriteTest, WriteThroughAViewInvalidatesItsBaseTable) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  admin_exec("CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock");
  const std::string qty = "SELECT qty FROM indirect_stock WHERE sku = 1";
  EXPECT_EQ(cached_value(qty), "5");
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock_view SET qty = 7 WHERE sku = 1"))
      << client_.describe_error();
  ASSERT_EQ(database_value(qty), "7");
  EXPECT_EQ(value(qty), "7");
}

// The catalog is read at the first write; objects created later must be followed too, whether
// the DDL goes through the proxy or around it.
TEST_F(CacheIndirectWriteTest, ViewCreatedThroughTheProxyAfterTheCatalogWasReadIsFollowed) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 6 WHERE sku = 1"))
      << client_.describe_error();
  ASSERT_TRUE(
      client_.exec("CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock"))
      << client_.describe_error();
  const std::string qty = "SELECT qty FROM indirect_stock_view WHERE sku = 1";
  EXPECT_EQ(cached_value(qty), "6");
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 8 WHERE sku = 1"))
      << client_.describe_error();
  EXPECT_EQ(value(qty), "8");
}

TEST_F(CacheIndirectWriteTest, ViewCreatedAroundTheProxyIsLearnedByTheFirstReadOfIt) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 6 WHERE sku = 1"))
      << client_.describe_error();
  // Straight on the database: the proxy does not see this DDL.
  admin_exec("CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock");
  const std::string qty = "SELECT qty FROM indirect_stock_view WHERE sku = 1";
  std::optional<long long> selects;
  EXPECT_EQ(value(qty, &selects), "6");
  EXPECT_EQ(selects, 2) << "the catalog read (the name is new to it), then the query";
  EXPECT_EQ(cached_value(qty), "6");
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 8 WHERE sku = 1"))
      << client_.describe_error();
  EXPECT_EQ(value(qty), "8");
}

// A view over NOW() changes its rows as time passes, without any write: a read of it must not
// be stored, even when the proxy has not read the catalog yet (nothing was written through it)
// and the view was created around it.
TEST_F(CacheIndirectWriteTest, ViewsOverNonDeterministicFunctionsAreNotCached) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  admin_exec("DROP VIEW IF EXISTS indirect_clock_view");
  admin_exec("CREATE VIEW indirect_clock_view AS SELECT sku, NOW(6) AS at FROM indirect_stock");
  const std::string at = "SELECT at FROM indirect_clock_view WHERE sku = 1";
  std::optional<long long> selects;
  const std::optional<std::string> first = value(at, &selects);
  ASSERT_TRUE(first);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::optional<std::string> second = value(at, &selects);
  EXPECT_EQ(selects, 1) << "the second read goes to the database";
  EXPECT_NE(second, first) << "NOW(6) moved on";
  // A deterministic view next to it is cached as before.
  admin_exec("CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock");
  EXPECT_EQ(cached_value("SELECT qty FROM indirect_stock_view WHERE sku = 1"), "5");
  admin_exec("DROP VIEW IF EXISTS indirect_clock_view");
}

TEST_F(CacheIndirectWriteTest, TheCatalogIsReadOnceAndNotAgainUntilSomethingChanges) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  auto write_selects = [&](const std::string& sql) {
    return counter_delta("Com_select", [&] {
      EXPECT_TRUE(client_.exec(sql)) << sql << ": " << client_.describe_error();
    });
  };
  // The proxy's first miss (the fixture's warm-up read) read the catalog.
  EXPECT_EQ(write_selects("UPDATE indirect_stock SET qty = 1"), 0) << "read by the first miss";
  EXPECT_EQ(write_selects("UPDATE indirect_stock SET qty = 2"), 0);
  EXPECT_EQ(write_selects("INSERT INTO indirect_stock VALUES (2, 2)"), 0);
  EXPECT_EQ(write_selects("CREATE TEMPORARY TABLE indirect_scratch (id INT)"), 0);
  EXPECT_EQ(write_selects("DROP TEMPORARY TABLE indirect_scratch"), 0);
  EXPECT_EQ(write_selects("ALTER TABLE indirect_stock ADD COLUMN note INT"), 0);
  EXPECT_EQ(write_selects("UPDATE indirect_stock SET qty = 3"), 1) << "after DDL it reads again";
  EXPECT_EQ(write_selects("UPDATE indirect_stock SET qty = 4"), 0);
}

// A user without the TRIGGER and SHOW VIEW privileges sees triggers and views in the catalog
// without their text: their writes must still invalidate what the trigger and the view change.
TEST_F(CacheIndirectWriteTest, TriggersAndViewsHiddenFromTheWritingUserStillInvalidate) {
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_order", "id INT PRIMARY KEY", ""));
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_order_count", "n INT NOT NULL", "(0)"));
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  admin_exec(
      "CREATE TRIGGER indirect_order_counter AFTER INSERT ON indirect_order FOR EACH ROW "
      "UPDATE indirect_order_count SET n = n + 1");
  admin_exec("CREATE VIEW indirect_stock_view AS SELECT sku, qty FROM indirect_stock");
  const std::string user = "sqlcache_limited";
  admin_exec("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
  admin_exec("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY 'limited-pw'");
  admin_exec(std::string("GRANT SELECT, INSERT, UPDATE, DELETE ON ") + kCacheDatabase + ".* TO '" +
             user + "'@'127.0.0.1'");
  MysqlClient limited;
  ASSERT_TRUE(limited.connect("127.0.0.1", proxy_port(), user, "limited-pw", kCacheDatabase))
      << limited.describe_error();
  ASSERT_TRUE(limited.query("SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE "
                            "TRIGGER_NAME = 'indirect_order_counter'") ==
              std::optional<Rows>(Rows{Row{std::nullopt}}))
      << "the user should see the trigger but not its body";

  auto limited_value = [&](const std::string& sql) -> std::optional<std::string> {
    auto rows = limited.query(sql);
    if (!rows || rows->size() != 1 || (*rows)[0].size() != 1) return std::nullopt;
    return (*rows)[0][0];
  };
  auto limited_cached_value = [&](const std::string& sql) {
    limited_value(sql);
    std::optional<std::string> result;
    EXPECT_EQ(counter_delta("Com_select", [&] { result = limited_value(sql); }), 0) << sql;
    return result;
  };
  const std::string count = "SELECT n FROM indirect_order_count";
  const std::string qty = "SELECT qty FROM indirect_stock_view WHERE sku = 1";
  EXPECT_EQ(limited_cached_value(count), "0");
  EXPECT_EQ(limited_cached_value(qty), "5");
  ASSERT_TRUE(limited.exec("INSERT INTO indirect_order VALUES (1)")) << limited.describe_error();
  EXPECT_EQ(limited_value(count), "1") << "a trigger whose body the writer cannot see";
  EXPECT_EQ(limited_cached_value(qty), "5");
  ASSERT_TRUE(limited.exec("UPDATE indirect_stock SET qty = 9 WHERE sku = 1"))
      << limited.describe_error();
  EXPECT_EQ(limited_value(qty), "9") << "a view whose definition the writer cannot see";
  limited.close();
  admin_exec("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
}

// SET TRANSACTION (no SESSION) is for the next transaction only: the catalog read the first
// write triggers must not change what the client's statements do with it.
TEST_F(CacheIndirectWriteTest, SetTransactionWorksAsOnTheDatabase) {
  ASSERT_NO_FATAL_FAILURE(create_stock("(1, 5)"));
  ASSERT_TRUE(client_.exec("SET TRANSACTION READ ONLY")) << client_.describe_error();
  for (int attempt = 0; attempt < 2; ++attempt) {
    // The server keeps the characteristics past a failed statement.
    EXPECT_FALSE(client_.exec("UPDATE indirect_stock SET qty = 6 WHERE sku = 1"))
        << "the write ran outside the read-only transaction the client asked for";
    EXPECT_EQ(client_.error_code(), 1792u) << client_.describe_error();
  }
  EXPECT_EQ(database_value("SELECT qty FROM indirect_stock WHERE sku = 1"), "5");
  EXPECT_EQ(value("SELECT qty FROM indirect_stock WHERE sku = 1"), "5");  // uses them up
  ASSERT_TRUE(client_.exec("UPDATE indirect_stock SET qty = 7 WHERE sku = 1"))
      << client_.describe_error();
  EXPECT_EQ(value("SELECT qty FROM indirect_stock WHERE sku = 1"), "7");
}

class CacheIndirectWriteNamesOnlyTest : public CacheIndirectWriteTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    CacheProxyConfig config = redis_config();
    config.extra_cache_yaml = "  follow_dependencies: false\n";
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
    ASSERT_TRUE(connect_proxy(client_));
  }
};

// With following off the proxy never queries the catalog, and a cascade leaves the child's
// entries until their TTL: the documented trade.
TEST_F(CacheIndirectWriteNamesOnlyTest, WritesInvalidateOnlyTheTablesTheyName) {
  admin_exec("DROP TABLE IF EXISTS indirect_child");
  ASSERT_NO_FATAL_FAILURE(create_table("indirect_parent", "id INT PRIMARY KEY", "(1), (2)"));
  ASSERT_NO_FATAL_FAILURE(
      create_table("indirect_child",
                   "id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES "
                   "indirect_parent (id) ON DELETE CASCADE",
                   "(10, 1), (20, 2)"));
  const std::string count = "SELECT COUNT(*) FROM indirect_child";
  EXPECT_EQ(cached_value(count), "2");
  const auto selects = counter_delta(
      "Com_select", [&] { EXPECT_TRUE(client_.exec("DELETE FROM indirect_parent WHERE id = 1")); });
  EXPECT_EQ(selects, 0) << "no catalog read";
  EXPECT_EQ(value(count), "2") << "the child's entry stays until its TTL";
}

}  // namespace
}  // namespace sqlcache::testing
