// The binary protocol through libmysqlclient's mysql_stmt_* API: COM_STMT_PREPARE, EXECUTE
// with typed parameters, binary result rows, SEND_LONG_DATA and RESET (which have no reply or a
// bare OK), cursors read with COM_STMT_FETCH, and CLOSE (no reply), directly and through the
// proxy.
#include <gtest/gtest.h>
#include <mysql.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"
#include "support/test_bytes.hpp"

namespace sqlcache::testing {
namespace {

class RelayPreparedStatementTest : public RelayTest {
 protected:
  // A client on the route under test, utf8mb4 so non-ASCII text round-trips.
  ::testing::AssertionResult open_utf8(MysqlClient& client) {
    client.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4");
    return open(client);
  }
};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelayPreparedStatementTest);

StatementPtr prepare(MYSQL* mysql, const std::string& sql) {
  StatementPtr statement(mysql_stmt_init(mysql));
  if (statement && mysql_stmt_prepare(statement.get(), sql.data(), sql.size()) != 0) {
    ADD_FAILURE() << "prepare '" << sql << "': " << describe_error(statement.get());
    return nullptr;
  }
  return statement;
}

MYSQL_TIME datetime(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                    unsigned second) {
  MYSQL_TIME time{};
  time.year = year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.second = second;
  time.time_type = MYSQL_TIMESTAMP_DATETIME;
  return time;
}

// One row of stmt_values, as C variables bound to a statement's parameters or results.
struct ValueRow {
  long long whole = 0;
  double ratio = 0;
  std::array<char, 64> label{};
  unsigned long label_length = 0;
  MYSQL_TIME moment{};
  std::array<char, 64> payload{};
  unsigned long payload_length = 0;
  my_bool payload_is_null = 0;

  void set_label(const std::string& text) {
    std::memcpy(label.data(), text.data(), text.size());
    label_length = text.size();
  }
  void set_payload(const std::string& bytes) {
    std::memcpy(payload.data(), bytes.data(), bytes.size());
    payload_length = bytes.size();
    payload_is_null = 0;
  }
  std::string label_text() const { return std::string(label.data(), label_length); }
  std::string payload_bytes() const { return std::string(payload.data(), payload_length); }

  // The same binding serves parameters (lengths read) and results (lengths written).
  std::array<MYSQL_BIND, 5> binds() {
    std::array<MYSQL_BIND, 5> bind{};
    bind[0].buffer_type = MYSQL_TYPE_LONGLONG;
    bind[0].buffer = &whole;
    bind[1].buffer_type = MYSQL_TYPE_DOUBLE;
    bind[1].buffer = &ratio;
    bind[2].buffer_type = MYSQL_TYPE_STRING;
    bind[2].buffer = label.data();
    bind[2].buffer_length = label.size();
    bind[2].length = &label_length;
    bind[3].buffer_type = MYSQL_TYPE_DATETIME;
    bind[3].buffer = &moment;
    bind[4].buffer_type = MYSQL_TYPE_BLOB;
    bind[4].buffer = payload.data();
    bind[4].buffer_length = payload.size();
    bind[4].length = &payload_length;
    bind[4].is_null = &payload_is_null;
    return bind;
  }
};

bool same_datetime(const MYSQL_TIME& a, const MYSQL_TIME& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
         a.minute == b.minute && a.second == b.second;
}

// Reads back one stmt_values row by id through a prepared SELECT with bound results.
::testing::AssertionResult fetch_value_row(MYSQL* mysql, unsigned long long id, ValueRow& row) {
  StatementPtr select =
      prepare(mysql, "SELECT whole, ratio, label, moment, payload FROM stmt_values WHERE id = ?");
  if (!select) return ::testing::AssertionFailure() << "prepare failed";
  MYSQL_BIND id_bind{};
  id_bind.buffer_type = MYSQL_TYPE_LONGLONG;
  id_bind.buffer = &id;
  id_bind.is_unsigned = 1;
  std::array<MYSQL_BIND, 5> results = row.binds();
  if (mysql_stmt_bind_param(select.get(), &id_bind) != 0 || mysql_stmt_execute(select.get()) != 0 ||
      mysql_stmt_bind_result(select.get(), results.data()) != 0) {
    return ::testing::AssertionFailure() << describe_error(select.get());
  }
  if (const int status = mysql_stmt_fetch(select.get()); status != 0) {
    return ::testing::AssertionFailure()
           << "fetch returned " << status << ": " << describe_error(select.get());
  }
  if (const int status = mysql_stmt_fetch(select.get()); status != MYSQL_NO_DATA) {
    return ::testing::AssertionFailure() << "a second row, or an error: " << status;
  }
  return ::testing::AssertionSuccess();
}

TEST_P(RelayPreparedStatementTest, ParametersOfSeveralTypesRoundTripAndReexecute) {
  MysqlClient client;
  ASSERT_TRUE(open_utf8(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE stmt_values (id INT AUTO_INCREMENT PRIMARY"
                  " KEY, whole BIGINT, ratio DOUBLE, label VARCHAR(64) CHARACTER SET"
                  " utf8mb4, moment DATETIME, payload BLOB NULL)"))
      << client.describe_error();

  StatementPtr insert = prepare(client.handle(),
                                "INSERT INTO stmt_values (whole, ratio, label, moment, payload)"
                                " VALUES (?, ?, ?, ?, ?)");
  ASSERT_TRUE(insert);
  EXPECT_EQ(mysql_stmt_param_count(insert.get()), 5u);
  EXPECT_EQ(mysql_stmt_field_count(insert.get()), 0u);

  ValueRow first;
  first.whole = -9'000'000'000;
  first.ratio = 0.125;
  first.set_label("first");
  first.moment = datetime(2024, 1, 2, 3, 4, 5);
  first.set_payload(std::string("\x00\x01\xFF", 3));
  std::array<MYSQL_BIND, 5> params = first.binds();
  ASSERT_EQ(mysql_stmt_bind_param(insert.get(), params.data()), 0) << describe_error(insert.get());
  ASSERT_EQ(mysql_stmt_execute(insert.get()), 0) << describe_error(insert.get());
  EXPECT_EQ(mysql_stmt_affected_rows(insert.get()), 1u);
  const unsigned long long first_id = mysql_stmt_insert_id(insert.get());

  // Same statement, same bindings, new values in the bound variables.
  ValueRow second;
  second.whole = 42;
  second.ratio = -1.5;
  second.set_label("second ünïcode");
  second.moment = datetime(1999, 12, 31, 23, 59, 59);
  second.payload_is_null = 1;
  params = second.binds();
  ASSERT_EQ(mysql_stmt_bind_param(insert.get(), params.data()), 0) << describe_error(insert.get());
  ASSERT_EQ(mysql_stmt_execute(insert.get()), 0) << describe_error(insert.get());
  EXPECT_EQ(mysql_stmt_affected_rows(insert.get()), 1u);
  const unsigned long long second_id = mysql_stmt_insert_id(insert.get());
  EXPECT_EQ(second_id, first_id + 1);

  ValueRow read;
  ASSERT_TRUE(fetch_value_row(client.handle(), first_id, read));
  EXPECT_EQ(read.whole, first.whole);
  EXPECT_EQ(read.ratio, first.ratio);
  EXPECT_EQ(read.label_text(), "first");
  EXPECT_TRUE(same_datetime(read.moment, first.moment));
  EXPECT_FALSE(read.payload_is_null);
  EXPECT_EQ(read.payload_bytes(), first.payload_bytes());

  ASSERT_TRUE(fetch_value_row(client.handle(), second_id, read));
  EXPECT_EQ(read.whole, 42);
  EXPECT_EQ(read.ratio, -1.5);
  EXPECT_EQ(read.label_text(), "second ünïcode");
  EXPECT_TRUE(same_datetime(read.moment, second.moment));
  EXPECT_TRUE(read.payload_is_null);

  // What actually landed in the table, in the server's own text form.
  MysqlClient direct;
  direct.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4");
  ASSERT_TRUE(open_direct(direct));
  const std::optional<Rows> stored =
      direct.query("SELECT whole, ratio, label, moment, HEX(payload) FROM stmt_values ORDER BY id");
  ASSERT_TRUE(stored) << direct.describe_error();
  EXPECT_EQ(*stored, (Rows{{"-9000000000", "0.125", "first", "2024-01-02 03:04:05", "0001FF"},
                           {"42", "-1.5", "second ünïcode", "1999-12-31 23:59:59", std::nullopt}}));
}

// Binds (id, payload) for INSERT INTO stmt_blobs, with the payload sent as long data.
struct BlobInsert {
  int id = 0;
  std::array<MYSQL_BIND, 2> bind{};
  BlobInsert() {
    bind[0].buffer_type = MYSQL_TYPE_LONG;
    bind[0].buffer = &id;
    bind[1].buffer_type = MYSQL_TYPE_BLOB;  // no buffer: the value comes as long data
  }
};

std::optional<std::string> stored_blob(MysqlClient& client, int id) {
  std::optional<Rows> rows =
      client.query("SELECT payload FROM stmt_blobs WHERE id = " + std::to_string(id));
  if (!rows || rows->size() != 1) return std::nullopt;
  return rows->front().front();
}

TEST_P(RelayPreparedStatementTest, SendLongDataAssemblesABlobFromChunks) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE stmt_blobs (id INT PRIMARY KEY,"
                  " payload MEDIUMBLOB)"))
      << client.describe_error();
  StatementPtr insert = prepare(client.handle(), "INSERT INTO stmt_blobs VALUES (?, ?)");
  ASSERT_TRUE(insert);
  BlobInsert values;
  values.id = 1;
  ASSERT_EQ(mysql_stmt_bind_param(insert.get(), values.bind.data()), 0)
      << describe_error(insert.get());

  // COM_STMT_SEND_LONG_DATA has no reply; three of them, then EXECUTE, may reach the proxy in
  // one read.
  std::string expected;
  for (std::uint32_t chunk = 1; chunk <= 3; ++chunk) {
    const std::string bytes = pattern_bytes(64 * 1024 + chunk, chunk);
    ASSERT_EQ(mysql_stmt_send_long_data(insert.get(), 1, bytes.data(), bytes.size()), 0)
        << describe_error(insert.get());
    expected += bytes;
  }
  ASSERT_EQ(mysql_stmt_execute(insert.get()), 0) << describe_error(insert.get());
  EXPECT_EQ(mysql_stmt_affected_rows(insert.get()), 1u);

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  const std::optional<std::string> stored = stored_blob(direct, 1);
  ASSERT_TRUE(stored) << direct.describe_error();
  EXPECT_EQ(stored->size(), expected.size());
  EXPECT_TRUE(*stored == expected) << "blob content differs";
}

TEST_P(RelayPreparedStatementTest, ResetDiscardsLongDataSentBeforeIt) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE stmt_blobs (id INT PRIMARY KEY,"
                  " payload MEDIUMBLOB)"))
      << client.describe_error();
  StatementPtr insert = prepare(client.handle(), "INSERT INTO stmt_blobs VALUES (?, ?)");
  ASSERT_TRUE(insert);
  BlobInsert values;
  values.id = 2;
  ASSERT_EQ(mysql_stmt_bind_param(insert.get(), values.bind.data()), 0)
      << describe_error(insert.get());

  const std::string discarded = "sent before the reset";
  ASSERT_EQ(mysql_stmt_send_long_data(insert.get(), 1, discarded.data(), discarded.size()), 0);
  ASSERT_EQ(mysql_stmt_reset(insert.get()), 0) << describe_error(insert.get());
  const std::string kept = "sent after the reset";
  ASSERT_EQ(mysql_stmt_send_long_data(insert.get(), 1, kept.data(), kept.size()), 0);
  ASSERT_EQ(mysql_stmt_execute(insert.get()), 0) << describe_error(insert.get());

  EXPECT_EQ(stored_blob(client, 2), kept) << client.describe_error();
}

// Binds (id, name) results of SELECT id, name FROM tutorial.planet.
struct PlanetRow {
  int id = 0;
  std::array<char, 64> name{};
  unsigned long name_length = 0;
  std::array<MYSQL_BIND, 2> bind{};
  PlanetRow() {
    bind[0].buffer_type = MYSQL_TYPE_LONG;
    bind[0].buffer = &id;
    bind[1].buffer_type = MYSQL_TYPE_STRING;
    bind[1].buffer = name.data();
    bind[1].buffer_length = name.size();
    bind[1].length = &name_length;
  }
  Row as_text() const { return Row{std::to_string(id), std::string(name.data(), name_length)}; }
};

// Opens a read-only cursor that the client reads two rows per COM_STMT_FETCH.
StatementPtr open_planet_cursor(MYSQL* mysql, PlanetRow& row) {
  StatementPtr statement = prepare(mysql, "SELECT id, name FROM tutorial.planet ORDER BY id");
  if (!statement) return nullptr;
  const unsigned long cursor_type = CURSOR_TYPE_READ_ONLY;
  const unsigned long prefetch_rows = 2;
  if (mysql_stmt_attr_set(statement.get(), STMT_ATTR_CURSOR_TYPE, &cursor_type) != 0 ||
      mysql_stmt_attr_set(statement.get(), STMT_ATTR_PREFETCH_ROWS, &prefetch_rows) != 0 ||
      mysql_stmt_execute(statement.get()) != 0 ||
      mysql_stmt_bind_result(statement.get(), row.bind.data()) != 0) {
    ADD_FAILURE() << describe_error(statement.get());
    return nullptr;
  }
  return statement;
}

// Fetches up to `limit` rows; stops early at the end or an error (status kept in `status`).
Rows fetch_planets(MYSQL_STMT* statement, PlanetRow& row, size_t limit, int& status) {
  Rows rows;
  while (rows.size() < limit && (status = mysql_stmt_fetch(statement)) == 0) {
    rows.push_back(row.as_text());
  }
  return rows;
}

TEST_P(RelayPreparedStatementTest, CursorFetchReadsEveryPlanetTwoRowsAtATime) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const std::optional<long long> fetches_before = session_status_counter(client, "Com_stmt_fetch");
  ASSERT_TRUE(fetches_before) << client.describe_error();

  PlanetRow row;
  StatementPtr cursor = open_planet_cursor(client.handle(), row);
  ASSERT_TRUE(cursor);
  int status = 0;
  const Rows rows = fetch_planets(cursor.get(), row, 100, status);
  EXPECT_EQ(status, MYSQL_NO_DATA) << describe_error(cursor.get());
  cursor.reset();

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  const std::optional<Rows> expected =
      direct.query("SELECT id, name FROM tutorial.planet ORDER BY id");
  ASSERT_TRUE(expected) << direct.describe_error();
  EXPECT_EQ(expected->size(), 8u) << "the sample schema has eight planets";
  EXPECT_EQ(rows, *expected);

  // Eight rows two at a time: the rows really came from COM_STMT_FETCH, not the execute.
  const std::optional<long long> fetches_after = session_status_counter(client, "Com_stmt_fetch");
  ASSERT_TRUE(fetches_after) << client.describe_error();
  EXPECT_GE(*fetches_after - *fetches_before, 4);
}

TEST_P(RelayPreparedStatementTest, ResetClosesTheCursorAndTheStatementRunsAgain) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  PlanetRow row;
  StatementPtr cursor = open_planet_cursor(client.handle(), row);
  ASSERT_TRUE(cursor);
  int status = 0;
  const Rows partial = fetch_planets(cursor.get(), row, 3, status);
  ASSERT_EQ(partial.size(), 3u) << describe_error(cursor.get());

  ASSERT_EQ(mysql_stmt_reset(cursor.get()), 0) << describe_error(cursor.get());
  ASSERT_EQ(mysql_stmt_execute(cursor.get()), 0) << describe_error(cursor.get());
  const Rows all = fetch_planets(cursor.get(), row, 100, status);
  EXPECT_EQ(status, MYSQL_NO_DATA) << describe_error(cursor.get());
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(Rows(all.begin(), all.begin() + 3), partial) << "the second run starts over";
}

TEST_P(RelayPreparedStatementTest, CloseNeedsNoReplyAndTheConnectionGoesOn) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const std::optional<long long> closes_before = session_status_counter(client, "Com_stmt_close");
  ASSERT_TRUE(closes_before) << client.describe_error();

  StatementPtr statement = prepare(client.handle(), "SELECT ? + 1");
  ASSERT_TRUE(statement);
  long long input = 41;
  MYSQL_BIND param{};
  param.buffer_type = MYSQL_TYPE_LONGLONG;
  param.buffer = &input;
  ASSERT_EQ(mysql_stmt_bind_param(statement.get(), &param), 0);
  ASSERT_EQ(mysql_stmt_execute(statement.get()), 0) << describe_error(statement.get());
  ASSERT_EQ(mysql_stmt_store_result(statement.get()), 0) << describe_error(statement.get());
  EXPECT_EQ(mysql_stmt_num_rows(statement.get()), 1u);
  EXPECT_EQ(mysql_stmt_close(statement.release()), 0);

  // The next command right behind the reply-less COM_STMT_CLOSE gets its own answer.
  EXPECT_EQ(client.scalar("SELECT 'next command'"), "next command") << client.describe_error();
  const std::optional<long long> closes_after = session_status_counter(client, "Com_stmt_close");
  ASSERT_TRUE(closes_after) << client.describe_error();
  EXPECT_EQ(*closes_after - *closes_before, 1);
}

}  // namespace
}  // namespace sqlcache::testing
