// Payloads that cross protocol boundaries: a row larger than one 16 MiB packet (split into
// several packets in both directions and both protocols), and LOAD DATA LOCAL INFILE, where
// the server asks the client for a file in the middle of a query's response.
#include <errmsg.h>
#include <gtest/gtest.h>
#include <mysql.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"
#include "support/test_bytes.hpp"

namespace sqlcache::testing {
namespace {

class RelayLargePacketTest : public RelayTest {};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelayLargePacketTest);

// One byte past 17 MiB: the row, the INSERT and the EXECUTE all need a third packet header.
constexpr std::size_t kLargeRowBytes = 17 * 1024 * 1024 + 1;

void allow_large_packets(MysqlClient& client) {
  const unsigned long max_allowed_packet = 64UL * 1024 * 1024;
  ASSERT_TRUE(client.set_option(MYSQL_OPT_MAX_ALLOWED_PACKET, &max_allowed_packet));
}

// The payload of big_rows row `id` over the text protocol.
std::optional<std::string> read_payload_as_text(MysqlClient& client, int id) {
  std::optional<Rows> rows =
      client.query("SELECT payload FROM big_rows WHERE id = " + std::to_string(id));
  if (!rows || rows->size() != 1) return std::nullopt;
  return rows->front().front();
}

// The payload of big_rows row `id` over the binary protocol, into a bound buffer.
std::optional<std::string> read_payload_as_binary(MYSQL* mysql, int id) {
  StatementPtr select(mysql_stmt_init(mysql));
  const std::string sql = "SELECT payload FROM big_rows WHERE id = ?";
  if (!select || mysql_stmt_prepare(select.get(), sql.data(), sql.size()) != 0) {
    return std::nullopt;
  }
  MYSQL_BIND param{};
  param.buffer_type = MYSQL_TYPE_LONG;
  param.buffer = &id;
  std::string buffer(kLargeRowBytes + 16, '\0');
  unsigned long length = 0;
  MYSQL_BIND result{};
  result.buffer_type = MYSQL_TYPE_LONG_BLOB;
  result.buffer = buffer.data();
  result.buffer_length = buffer.size();
  result.length = &length;
  if (mysql_stmt_bind_param(select.get(), &param) != 0 || mysql_stmt_execute(select.get()) != 0 ||
      mysql_stmt_bind_result(select.get(), &result) != 0 || mysql_stmt_fetch(select.get()) != 0) {
    ADD_FAILURE() << describe_error(select.get());
    return std::nullopt;
  }
  buffer.resize(length);
  return buffer;
}

// Compares without printing 17 MiB on failure.
::testing::AssertionResult same_bytes(const std::optional<std::string>& actual,
                                      const std::string& expected) {
  if (!actual) return ::testing::AssertionFailure() << "no value read";
  if (actual->size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "length " << actual->size() << ", expected " << expected.size();
  }
  const auto [differs, unused] = std::mismatch(actual->begin(), actual->end(), expected.begin());
  if (differs != actual->end()) {
    return ::testing::AssertionFailure()
           << "first difference at byte " << (differs - actual->begin());
  }
  return ::testing::AssertionSuccess();
}

TEST_P(RelayLargePacketTest, RowLargerThan16MiBRoundTripsByteForByte) {
  MysqlClient client;
  ASSERT_NO_FATAL_FAILURE(allow_large_packets(client));
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE big_rows (id INT PRIMARY KEY,"
                  " payload LONGBLOB)"))
      << client.describe_error();

  // Row 1 through a text INSERT (a COM_QUERY over several packets).
  const std::string text_payload = pattern_bytes(kLargeRowBytes, 17);
  std::string insert = "INSERT INTO big_rows VALUES (1, '";
  const std::size_t prefix = insert.size();
  insert.resize(prefix + 2 * text_payload.size() + 1);
  const unsigned long escaped = mysql_real_escape_string(client.handle(), insert.data() + prefix,
                                                         text_payload.data(), text_payload.size());
  insert.resize(prefix + escaped);
  insert += "')";
  ASSERT_EQ(mysql_real_query(client.handle(), insert.data(), insert.size()), 0)
      << client.describe_error();

  // Row 2 through a prepared INSERT with the whole value bound (a COM_STMT_EXECUTE over
  // several packets).
  std::string binary_payload = pattern_bytes(kLargeRowBytes, 71);
  StatementPtr prepared(mysql_stmt_init(client.handle()));
  const std::string sql = "INSERT INTO big_rows VALUES (2, ?)";
  ASSERT_EQ(mysql_stmt_prepare(prepared.get(), sql.data(), sql.size()), 0)
      << describe_error(prepared.get());
  unsigned long binary_length = binary_payload.size();
  MYSQL_BIND param{};
  param.buffer_type = MYSQL_TYPE_LONG_BLOB;
  param.buffer = binary_payload.data();
  param.buffer_length = binary_payload.size();
  param.length = &binary_length;
  ASSERT_EQ(mysql_stmt_bind_param(prepared.get(), &param), 0) << describe_error(prepared.get());
  ASSERT_EQ(mysql_stmt_execute(prepared.get()), 0) << describe_error(prepared.get());
  prepared.reset();

  EXPECT_EQ(client.scalar("SELECT GROUP_CONCAT(LENGTH(payload) ORDER BY id) FROM big_rows"),
            std::to_string(kLargeRowBytes) + "," + std::to_string(kLargeRowBytes))
      << client.describe_error();
  // Each row comes back over several packets, as a text row and as a binary row.
  EXPECT_TRUE(same_bytes(read_payload_as_text(client, 1), text_payload)) << "text row 1";
  EXPECT_TRUE(same_bytes(read_payload_as_text(client, 2), binary_payload)) << "text row 2";
  EXPECT_TRUE(same_bytes(read_payload_as_binary(client.handle(), 1), text_payload))
      << "binary row 1";
  EXPECT_TRUE(same_bytes(read_payload_as_binary(client.handle(), 2), binary_payload))
      << "binary row 2";
  EXPECT_EQ(client.scalar("SELECT 'after the big rows'"), "after the big rows")
      << client.describe_error();
}

void allow_local_infile(MysqlClient& client) {
  const unsigned int enable = 1;
  ASSERT_TRUE(client.set_option(MYSQL_OPT_LOCAL_INFILE, &enable));
}

TEST_P(RelayLargePacketTest, LoadDataLocalInfileSendsTheFileAndRowsArrive) {
  // Enough lines that the client sends the file in more than one packet.
  Rows expected;
  std::string content;
  for (int id = 1; id <= 5000; ++id) {
    const std::string name = "minor-planet-" + std::to_string(id * 7);
    content += std::to_string(id) + "\t" + name + "\n";
    expected.push_back(Row{std::to_string(id), name});
  }
  TemporaryFile file(content);
  ASSERT_TRUE(file.ok());

  MysqlClient client;
  ASSERT_NO_FATAL_FAILURE(allow_local_infile(client));
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE loaded (id INT PRIMARY KEY,"
                  " name VARCHAR(32))"))
      << client.describe_error();
  ASSERT_EQ(mysql_query(client.handle(),
                        ("LOAD DATA LOCAL INFILE '" + file.path() + "' INTO TABLE loaded").c_str()),
            0)
      << client.describe_error();
  EXPECT_EQ(mysql_affected_rows(client.handle()), 5000u);
  ASSERT_NE(mysql_info(client.handle()), nullptr);
  EXPECT_STREQ(mysql_info(client.handle()), "Records: 5000  Deleted: 0  Skipped: 0  Warnings: 0");

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  EXPECT_EQ(direct.query("SELECT id, name FROM loaded ORDER BY id"), expected);
}

TEST_P(RelayLargePacketTest, LoadDataLocalInfileOfAMissingFileFailsAndTheSessionGoesOn) {
  MysqlClient client;
  ASSERT_NO_FATAL_FAILURE(allow_local_infile(client));
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(
      client.exec("CREATE OR REPLACE TABLE loaded (id INT PRIMARY KEY,"
                  " name VARCHAR(32))"))
      << client.describe_error();
  // The client answers the server's file request with an empty packet; the server then ends
  // the response itself.
  EXPECT_NE(
      mysql_query(client.handle(),
                  "LOAD DATA LOCAL INFILE '/nonexistent/sqlcache-capi.tsv' INTO TABLE loaded"),
      0);
  EXPECT_NE(client.error_code(), 0u);
  EXPECT_NE(client.error_code(), static_cast<unsigned>(CR_SERVER_LOST)) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT COUNT(*) FROM loaded"), "0") << client.describe_error();
}

}  // namespace
}  // namespace sqlcache::testing
