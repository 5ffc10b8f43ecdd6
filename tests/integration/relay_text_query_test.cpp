// Text protocol (COM_QUERY) through libmysqlclient: result sets in both fetch modes, OK packet
// fields (affected rows, insert id, info, warnings) and error packets, each checked directly
// and through a relaying proxy.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"

namespace sqlcache::testing {
namespace {

class RelayTextQueryTest : public RelayTest {};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelayTextQueryTest);

// One row covering the families of column types whose text encoding differs.
constexpr const char* kCreateTypedTable = R"sql(
  CREATE OR REPLACE TABLE text_types (
    id INT PRIMARY KEY,
    tiny TINYINT,
    big BIGINT UNSIGNED,
    dbl DOUBLE,
    money DECIMAL(12, 3),
    label VARCHAR(32) CHARACTER SET utf8mb4,
    raw VARBINARY(16),
    day DATE,
    moment DATETIME(6),
    span TIME,
    colour ENUM('red', 'green'),
    bits BIT(8),
    doc JSON,
    nothing INT NULL
  ))sql";

constexpr const char* kInsertTypedRow = R"sql(
  INSERT INTO text_types VALUES (1, -128, 18446744073709551615, 2.5, -1234.567,
    'grüß 🌍', X'00FF0A', '2024-02-29', '2024-02-29 13:14:15.123456', '-838:59:59', 'green',
    b'10100101', '{"a": [1, 2]}', NULL))sql";

constexpr const char* kSelectTypedRow = "SELECT * FROM text_types WHERE id = 1";

// The same row, as the text protocol spells each value.
Row expected_typed_row() {
  return Row{"1",
             "-128",
             "18446744073709551615",
             "2.5",
             "-1234.567",
             "grüß 🌍",
             std::string("\x00\xFF\x0A", 3),
             "2024-02-29",
             "2024-02-29 13:14:15.123456",
             "-838:59:59",
             "green",
             std::string("\xA5", 1),
             R"({"a": [1, 2]})",
             std::nullopt};
}

void use_utf8mb4(MysqlClient& client) { client.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4"); }

TEST_P(RelayTextQueryTest, StoreResultReturnsEveryColumnTypeAsTheServerSpellsIt) {
  MysqlClient client;
  use_utf8mb4(client);
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(client.exec(kCreateTypedTable)) << client.describe_error();
  ASSERT_TRUE(client.exec(kInsertTypedRow)) << client.describe_error();

  ASSERT_EQ(mysql_query(client.handle(), kSelectTypedRow), 0) << client.describe_error();
  MYSQL_RES* result = mysql_store_result(client.handle());
  ASSERT_NE(result, nullptr) << client.describe_error();
  EXPECT_EQ(mysql_num_rows(result), 1u);
  const std::vector<ColumnDefinition> columns = column_definitions(result);
  const Rows rows = fetch_all_rows(result);
  mysql_free_result(result);

  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], expected_typed_row());
  ASSERT_EQ(columns.size(), 14u);
  EXPECT_EQ(columns[1].type, MYSQL_TYPE_TINY);
  EXPECT_EQ(columns[2].type, MYSQL_TYPE_LONGLONG);
  EXPECT_TRUE(columns[2].flags & UNSIGNED_FLAG);
  EXPECT_EQ(columns[4].type, MYSQL_TYPE_NEWDECIMAL);
  EXPECT_EQ(columns[4].decimals, 3u);
  EXPECT_EQ(columns[6].charsetnr, 63u) << "VARBINARY uses the binary character set";
  EXPECT_EQ(columns[8].type, MYSQL_TYPE_DATETIME);
  EXPECT_EQ(columns[11].type, MYSQL_TYPE_BIT);
  EXPECT_EQ(columns[0].org_table, "text_types");
  EXPECT_EQ(columns[0].db, kScratchDatabase);

  // Every column definition must be exactly what a direct client sees.
  MysqlClient direct;
  use_utf8mb4(direct);
  ASSERT_TRUE(open_direct(direct));
  ASSERT_EQ(mysql_query(direct.handle(), kSelectTypedRow), 0) << direct.describe_error();
  MYSQL_RES* direct_result = mysql_store_result(direct.handle());
  ASSERT_NE(direct_result, nullptr) << direct.describe_error();
  EXPECT_EQ(columns, column_definitions(direct_result));
  mysql_free_result(direct_result);
}

TEST_P(RelayTextQueryTest, UseResultStreamsTheSameRowsAsStoreResult) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  // The sequence engine makes a result of known content without a table.
  constexpr const char* kSql = "SELECT seq, CONCAT('row-', seq) FROM seq_1_to_2000";

  ASSERT_EQ(mysql_query(client.handle(), kSql), 0) << client.describe_error();
  MYSQL_RES* streamed = mysql_use_result(client.handle());
  ASSERT_NE(streamed, nullptr) << client.describe_error();
  const Rows streamed_rows = fetch_all_rows(streamed);
  EXPECT_EQ(mysql_errno(client.handle()), 0u) << "the stream ended in an error";
  EXPECT_EQ(mysql_num_rows(streamed), 2000u);
  mysql_free_result(streamed);

  ASSERT_EQ(streamed_rows.size(), 2000u);
  for (size_t i = 0; i < streamed_rows.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    ASSERT_EQ(streamed_rows[i], (Row{n, "row-" + n})) << "row " << i;
  }
  const std::optional<Rows> stored = client.query(kSql);
  ASSERT_TRUE(stored) << client.describe_error();
  EXPECT_EQ(*stored, streamed_rows);
}

TEST_P(RelayTextQueryTest, WritesReportAffectedRowsInsertIdAndInfo) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  MYSQL* mysql = client.handle();
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE counters (id INT AUTO_INCREMENT PRIMARY KEY,"
                  " name VARCHAR(16), hits INT) AUTO_INCREMENT = 41"))
      << client.describe_error();

  ASSERT_EQ(mysql_query(mysql,
                        "INSERT INTO counters (name, hits) VALUES ('a', 0), ('b', 0),"
                        " ('c', 0)"),
            0)
      << client.describe_error();
  EXPECT_EQ(mysql_affected_rows(mysql), 3u);
  // A multi-row INSERT reports the first generated id.
  EXPECT_EQ(std::to_string(mysql_insert_id(mysql)), client.scalar("SELECT MIN(id) FROM counters"));
  EXPECT_EQ(mysql_insert_id(mysql), 41u);

  ASSERT_EQ(mysql_query(mysql, "UPDATE counters SET hits = 7 WHERE name IN ('a', 'b')"), 0)
      << client.describe_error();
  EXPECT_EQ(mysql_affected_rows(mysql), 2u);
  ASSERT_NE(mysql_info(mysql), nullptr);
  EXPECT_STREQ(mysql_info(mysql), "Rows matched: 2  Changed: 2  Warnings: 0");

  // Without CLIENT_FOUND_ROWS, rows that already hold the value are matched, not affected.
  ASSERT_EQ(mysql_query(mysql, "UPDATE counters SET hits = 7 WHERE name = 'a'"), 0)
      << client.describe_error();
  EXPECT_EQ(mysql_affected_rows(mysql), 0u);

  ASSERT_EQ(mysql_query(mysql, "DELETE FROM counters WHERE name = 'c'"), 0)
      << client.describe_error();
  EXPECT_EQ(mysql_affected_rows(mysql), 1u);
  EXPECT_EQ(client.scalar("SELECT COUNT(*) FROM counters"), "2");
}

TEST_P(RelayTextQueryTest, WarningCountArrivesWithTheResult) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const std::optional<Rows> rows = client.query("SELECT CAST('12abc' AS SIGNED)");
  ASSERT_TRUE(rows) << client.describe_error();
  EXPECT_EQ(*rows, (Rows{{"12"}}));
  EXPECT_EQ(mysql_warning_count(client.handle()), 1u);

  const std::optional<Rows> warnings = client.query("SHOW WARNINGS");
  ASSERT_TRUE(warnings) << client.describe_error();
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_EQ((*warnings)[0][0], "Warning");
  EXPECT_EQ((*warnings)[0][1], "1292");

  EXPECT_TRUE(client.query("SELECT 1"));
  EXPECT_EQ(mysql_warning_count(client.handle()), 0u);
}

TEST_P(RelayTextQueryTest, UnknownTableFailsWith1146AndTheConnectionStaysUsable) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  EXPECT_NE(mysql_query(client.handle(), "SELECT * FROM no_such_table"), 0);
  EXPECT_EQ(client.error_code(), 1146u);
  EXPECT_EQ(client.sqlstate(), "42S02");
  const std::string message = client.error_message();

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  EXPECT_NE(mysql_query(direct.handle(), "SELECT * FROM no_such_table"), 0);
  EXPECT_EQ(message, direct.error_message());

  EXPECT_EQ(client.scalar("SELECT 6 * 7"), "42") << client.describe_error();
}

}  // namespace
}  // namespace sqlcache::testing
