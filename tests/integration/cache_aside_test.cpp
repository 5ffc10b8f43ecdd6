// Cache-aside over the text protocol, against the real MariaDB and Redis: the second run of
// an identical SELECT is answered from Redis (the backend's Com_select does not move) with a
// result the client cannot tell from the database's, and everything that changes a result's
// bytes (the query's literals, the default schema, the user, the character set, the time
// zone) keeps entries apart.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>
#include <utility>
#include <vector>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

constexpr const char* kPlanets =
    "(1, 'Mercury'), (2, 'Venus'), (3, 'Earth'), (4, 'Mars'), (5, 'Jupiter'), (6, 'Saturn'), "
    "(7, 'Uranus'), (8, 'Neptune')";

class CacheAsideTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("aside_planet", "id INT PRIMARY KEY, name VARCHAR(32) NOT NULL", kPlanets));
    ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
  }
};

TEST_F(CacheAsideTest, SecondIdenticalSelectIsServedFromTheCache) {
  const std::string sql = "SELECT * FROM aside_planet ORDER BY id";
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));

  CountedResult first = counted_query(client, sql);
  ASSERT_TRUE(first.result) << client.describe_error();
  EXPECT_EQ(first.backend_count, 1) << "the first run is a miss: the database answers it";

  CountedResult second = counted_query(client, sql);
  ASSERT_TRUE(second.result) << client.describe_error();
  EXPECT_EQ(second.backend_count, 0) << "the second run must not reach the database";
  EXPECT_EQ(second.result, first.result);

  MysqlClient direct;
  ASSERT_TRUE(connect_direct_utf8(direct));
  EXPECT_EQ(second.result, full_result(direct, sql)) << "a hit must equal the database's answer";
  EXPECT_EQ(second.result->rows.size(), 8u);
}

TEST_F(CacheAsideTest, AnotherClientOfTheSameUserHitsTheEntry) {
  const std::string sql = "SELECT name FROM aside_planet WHERE id = 3";
  MysqlClient first;
  ASSERT_TRUE(connect_proxy(first));
  CountedResult miss = counted_query(first, sql);
  ASSERT_TRUE(miss.result);
  EXPECT_EQ(miss.backend_count, 1);

  MysqlClient second;
  ASSERT_TRUE(connect_proxy(second));
  CountedResult hit = counted_query(second, sql);
  ASSERT_TRUE(hit.result);
  EXPECT_EQ(hit.backend_count, 0);
  EXPECT_EQ(hit.result, miss.result);
}

// The server names a result's columns after the exact text of their expressions: case,
// spaces and comments included. An entry filled by one spelling must not answer another.
TEST_F(CacheAsideTest, SpellingsThatNameColumnsDifferentlyAreSeparateEntries) {
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  auto column_name = [&](const std::string& sql) -> std::string {
    if (mysql_query(client.handle(), sql.c_str()) != 0) return "error: " + client.describe_error();
    MYSQL_RES* result = mysql_store_result(client.handle());
    if (result == nullptr) return "no result";
    const std::string name = mysql_fetch_fields(result)[0].name;
    mysql_free_result(result);
    return name;
  };
  for (const char* sql : {"SELECT count(*) FROM aside_planet WHERE id < 3",
                          "SELECT COUNT(*) FROM aside_planet WHERE id < 3",
                          "SELECT COUNT( * ) FROM aside_planet WHERE id < 3",
                          "SELECT COUNT(*) /* all */ FROM aside_planet WHERE id < 3",
                          "select count(*)  from aside_planet where id < 3"}) {
    const std::string expected = column_name(sql);  // a miss: the server's name
    ASSERT_EQ(counted_query(client, sql).backend_count, 0) << sql << " should be stored";
    EXPECT_EQ(column_name(sql), expected) << sql;
  }
  for (const auto& [sql, name] : std::vector<std::pair<std::string, std::string>>{
           {"SELECT count(*) FROM aside_planet WHERE id < 3", "count(*)"},
           {"SELECT COUNT(*) FROM aside_planet WHERE id < 3", "COUNT(*)"},
           {"SELECT COUNT( * ) FROM aside_planet WHERE id < 3", "COUNT( * )"},
           {"select count(*)  from aside_planet where id < 3", "count(*)"}}) {
    EXPECT_EQ(column_name(sql), name) << sql;
  }
}

TEST_F(CacheAsideTest, ADifferentLiteralIsADifferentEntry) {
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  ASSERT_TRUE(counted_query(client, "SELECT name FROM aside_planet WHERE id = 1").result);
  for (const char* literal : {"2", "'1'", "1.0"}) {
    const std::string sql = std::string("SELECT name FROM aside_planet WHERE id = ") + literal;
    CountedResult other = counted_query(client, sql);
    ASSERT_TRUE(other.result) << sql;
    EXPECT_EQ(other.backend_count, 1) << sql << " must not be answered by the entry for id = 1";
  }
  CountedResult venus = counted_query(client, "SELECT name FROM aside_planet WHERE id = 2");
  EXPECT_EQ(venus.backend_count, 0);
  ASSERT_TRUE(venus.result);
  EXPECT_EQ(venus.result->rows, (Rows{{"Venus"}}));
}

TEST_F(CacheAsideTest, EveryColumnTypeIsReplayedExactly) {
  ASSERT_NO_FATAL_FAILURE(create_table(
      "aside_types",
      "id INT PRIMARY KEY, t TINYINT, tu TINYINT UNSIGNED, s SMALLINT, m MEDIUMINT, "
      "b BIGINT, bu BIGINT UNSIGNED, d DECIMAL(20,6), f FLOAT, g DOUBLE, dt DATE, tm TIME(3), "
      "dtm DATETIME(6), ts TIMESTAMP NULL, y YEAR, c CHAR(4), v VARCHAR(64), tx TEXT, "
      "bl BLOB, j JSON, bt BIT(12), e ENUM('small','large'), st SET('a','b','c')",
      "(1, -128, 255, -32768, 8388607, -9223372036854775808, 18446744073709551615, "
      "-12345678901234.123456, 1.5, 2.718281828459045, '2024-02-29', '-838:59:59.999', "
      "'2024-12-31 23:59:59.999999', '2038-01-19 03:14:07', 2155, 'ab', "
      "'Zürich, 東京, emoji 😀', REPEAT('x', 300), X'00FF0D0A1B', '{\"k\": [1, 2]}', "
      "b'101010101010', 'large', 'a,c'),"
      "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, '', '', '', NULL, NULL, NULL, '')"));
  const std::string sql = "SELECT * FROM aside_types ORDER BY id";
  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  CountedResult miss = counted_query(client, sql);
  ASSERT_TRUE(miss.result) << client.describe_error();
  CountedResult hit = counted_query(client, sql);
  ASSERT_TRUE(hit.result) << client.describe_error();
  EXPECT_EQ(hit.backend_count, 0);

  MysqlClient direct;
  ASSERT_TRUE(connect_direct_utf8(direct));
  std::optional<FullResult> reference = full_result(direct, sql);
  ASSERT_TRUE(reference) << direct.describe_error();
  ASSERT_EQ(reference->columns.size(), 23u);
  EXPECT_EQ(miss.result->columns, reference->columns);
  EXPECT_EQ(hit.result->columns, reference->columns) << "metadata of the hit";
  EXPECT_EQ(hit.result->rows, reference->rows) << "values of the hit";
}

TEST_F(CacheAsideTest, TheSameTextInAnotherDefaultSchemaIsADifferentEntry) {
  const std::string other_db = std::string(kCacheDatabase) + "_other";
  admin_exec("CREATE DATABASE IF NOT EXISTS " + other_db);
  admin_exec("DROP TABLE IF EXISTS " + other_db + ".aside_planet");
  admin_exec("CREATE TABLE " + other_db + ".aside_planet (id INT PRIMARY KEY, name VARCHAR(32))");
  admin_exec("INSERT INTO " + other_db + ".aside_planet VALUES (1, 'Vulcan')");
  const std::string sql = "SELECT name FROM aside_planet WHERE id = 1";

  MysqlClient client;
  ASSERT_TRUE(connect_proxy(client));
  CountedResult here = counted_query(client, sql);
  ASSERT_TRUE(here.result);
  EXPECT_EQ(here.result->rows, (Rows{{"Mercury"}}));

  ASSERT_TRUE(client.exec("USE " + other_db)) << client.describe_error();
  CountedResult there = counted_query(client, sql);
  ASSERT_TRUE(there.result);
  // A miss; and a catalog read first when the table is new to the proxy (a fresh database).
  EXPECT_GE(there.backend_count, 1);
  EXPECT_EQ(there.result->rows, (Rows{{"Vulcan"}}));

  MysqlClient elsewhere;
  ASSERT_TRUE(connect_proxy(elsewhere, 0, other_db));
  CountedResult again = counted_query(elsewhere, sql);
  EXPECT_EQ(again.backend_count, 0) << "same schema, same text: the entry is shared";
  ASSERT_TRUE(again.result);
  EXPECT_EQ(again.result->rows, (Rows{{"Vulcan"}}));
}

TEST_F(CacheAsideTest, ResultsAreNotSharedAcrossUsers) {
  // app_a and app_b are deploy/local/mariadb.sh's accounts with SELECT on tutorial.*.
  const std::string sql = "SELECT id, name FROM tutorial.planet WHERE id <= 3 ORDER BY id";
  MysqlClient a;
  a.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4");
  ASSERT_TRUE(a.connect("127.0.0.1", proxy_port(), "app_a", "app_a"))
      << "deploy/local/mariadb.sh creates app_a: " << a.describe_error();
  MysqlClient b;
  b.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4");
  ASSERT_TRUE(b.connect("127.0.0.1", proxy_port(), "app_b", "app_b")) << b.describe_error();

  CountedResult of_a = counted_query(a, sql);
  ASSERT_TRUE(of_a.result) << a.describe_error();
  EXPECT_EQ(of_a.backend_count, 1);
  CountedResult of_b = counted_query(b, sql);
  ASSERT_TRUE(of_b.result) << b.describe_error();
  EXPECT_EQ(of_b.backend_count, 1) << "another user must not be served app_a's entry";
  EXPECT_EQ(counted_query(b, sql).backend_count, 0) << "but gets its own";
  EXPECT_EQ(of_a.result, of_b.result);
}

TEST_F(CacheAsideTest, CharacterSetOfTheSessionIsPartOfTheKey) {
  admin_exec("INSERT INTO aside_planet VALUES (9, 'Zürich')");
  const std::string sql = "SELECT name FROM aside_planet WHERE id = 9";
  MysqlClient utf8;
  ASSERT_TRUE(connect_proxy(utf8));
  CountedResult in_utf8 = counted_query(utf8, sql);
  ASSERT_TRUE(in_utf8.result);
  EXPECT_EQ(in_utf8.result->rows, (Rows{{"Z\xC3\xBCrich"}}));

  MysqlClient latin1;  // latin1 from the handshake
  latin1.set_option(MYSQL_SET_CHARSET_NAME, "latin1");
  const TestEnv& env = test_env();
  ASSERT_TRUE(
      latin1.connect("127.0.0.1", proxy_port(), env.mysql_user, env.mysql_password, kCacheDatabase))
      << latin1.describe_error();
  CountedResult in_latin1 = counted_query(latin1, sql);
  ASSERT_TRUE(in_latin1.result);
  EXPECT_EQ(in_latin1.result->rows, (Rows{{"Z\xFCrich"}}));

  MysqlClient set_names;  // utf8mb4 from the handshake, then SET NAMES
  ASSERT_TRUE(connect_proxy(set_names));
  ASSERT_TRUE(set_names.exec("SET NAMES latin1")) << set_names.describe_error();
  CountedResult after_set = counted_query(set_names, sql);
  ASSERT_TRUE(after_set.result);
  EXPECT_EQ(after_set.result->rows, (Rows{{"Z\xFCrich"}}));
}

TEST_F(CacheAsideTest, TimeZoneOfTheSessionIsPartOfTheKey) {
  ASSERT_NO_FATAL_FAILURE(
      create_table("aside_moment", "id INT PRIMARY KEY, at TIMESTAMP NULL", ""));
  admin_exec("SET time_zone = '+00:00'");
  admin_exec("INSERT INTO aside_moment VALUES (1, '2024-01-01 12:00:00')");
  const std::string sql = "SELECT at FROM aside_moment WHERE id = 1";

  MysqlClient utc;
  ASSERT_TRUE(connect_proxy(utc));
  ASSERT_TRUE(utc.exec("SET time_zone = '+00:00'"));
  CountedResult in_utc = counted_query(utc, sql);
  ASSERT_TRUE(in_utc.result);
  EXPECT_EQ(in_utc.result->rows, (Rows{{"2024-01-01 12:00:00"}}));
  EXPECT_EQ(counted_query(utc, sql).backend_count, 0);

  MysqlClient tokyo;
  ASSERT_TRUE(connect_proxy(tokyo));
  ASSERT_TRUE(tokyo.exec("SET time_zone = '+09:00'"));
  CountedResult in_tokyo = counted_query(tokyo, sql);
  ASSERT_TRUE(in_tokyo.result);
  EXPECT_EQ(in_tokyo.result->rows, (Rows{{"2024-01-01 21:00:00"}}));
}

}  // namespace
}  // namespace sqlcache::testing
