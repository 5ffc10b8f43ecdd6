// Responses made of several results (SERVER_MORE_RESULTS_EXISTS): a stored procedure's result
// sets under CLIENT_MULTI_RESULTS and a multi-statement query under CLIENT_MULTI_STATEMENTS.
// A relay that ends a response at the first result's EOF/OK would desynchronise the client.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>
#include <vector>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"

namespace sqlcache::testing {
namespace {

class RelayMultiResultTest : public RelayTest {};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelayMultiResultTest);

// What one result of a multi-result response held.
struct ResultSummary {
  bool has_rows = false;  // a result set (as opposed to an OK)
  Rows rows;
  unsigned long long affected_rows = 0;
  bool operator==(const ResultSummary&) const = default;
};

void PrintTo(const ResultSummary& result, std::ostream* out) {
  if (!result.has_rows) {
    *out << "OK(affected=" << result.affected_rows << ")";
    return;
  }
  *out << "rows" << ::testing::PrintToString(result.rows);
}

// Reads every result of the response to the last statement with the mysql_next_result loop.
// Stops at the first error, leaving it in the handle.
std::vector<ResultSummary> read_all_results(MYSQL* mysql) {
  std::vector<ResultSummary> results;
  int status = 0;
  do {
    ResultSummary summary;
    if (MYSQL_RES* result = mysql_store_result(mysql)) {
      summary.has_rows = true;
      summary.rows = fetch_all_rows(result);
      mysql_free_result(result);
    } else if (mysql_field_count(mysql) != 0) {
      return results;  // a result set was announced but could not be read
    } else {
      summary.affected_rows = mysql_affected_rows(mysql);
    }
    results.push_back(std::move(summary));
    status = mysql_next_result(mysql);
  } while (status == 0);
  return results;
}

TEST_P(RelayMultiResultTest, StoredProcedureResultSetsArriveInOrder) {
  MysqlClient client;
  ASSERT_TRUE(open(client, kScratchDatabase, CLIENT_MULTI_RESULTS));
  ASSERT_TRUE(client.exec(R"sql(
      CREATE OR REPLACE PROCEDURE two_result_sets()
      BEGIN
        SELECT id, name FROM tutorial.planet WHERE id <= 2 ORDER BY id;
        SELECT COUNT(*) FROM tutorial.planet;
      END)sql"))
      << client.describe_error();

  ASSERT_EQ(mysql_query(client.handle(), "CALL two_result_sets()"), 0) << client.describe_error();
  const std::vector<ResultSummary> results = read_all_results(client.handle());
  EXPECT_EQ(client.error_code(), 0u) << client.describe_error();

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  const std::optional<Rows> first =
      direct.query("SELECT id, name FROM tutorial.planet WHERE id <= 2 ORDER BY id");
  const std::optional<Rows> second = direct.query("SELECT COUNT(*) FROM tutorial.planet");
  ASSERT_TRUE(first && second) << direct.describe_error();
  // Two result sets, then the OK that ends every CALL.
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], (ResultSummary{true, *first, 0}));
  EXPECT_EQ(results[1], (ResultSummary{true, *second, 0}));
  EXPECT_FALSE(results[2].has_rows);
  EXPECT_FALSE(mysql_more_results(client.handle()));

  EXPECT_EQ(client.scalar("SELECT 'after the call'"), "after the call") << client.describe_error();
}

TEST_P(RelayMultiResultTest, MultiStatementQueryReturnsEachStatementsResult) {
  MysqlClient client;
  ASSERT_TRUE(open(client, kScratchDatabase, CLIENT_MULTI_STATEMENTS));
  ASSERT_TRUE(client.exec("CREATE OR REPLACE TABLE multi_hits (id INT PRIMARY KEY, hits INT)"))
      << client.describe_error();
  ASSERT_TRUE(client.exec("INSERT INTO multi_hits VALUES (1, 0), (2, 0)"))
      << client.describe_error();

  ASSERT_EQ(
      mysql_query(client.handle(), "SELECT 1; SELECT 2; UPDATE multi_hits SET hits = hits + 1"), 0)
      << client.describe_error();
  const std::vector<ResultSummary> results = read_all_results(client.handle());
  EXPECT_EQ(client.error_code(), 0u) << client.describe_error();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0], (ResultSummary{true, {{"1"}}, 0}));
  EXPECT_EQ(results[1], (ResultSummary{true, {{"2"}}, 0}));
  EXPECT_EQ(results[2], (ResultSummary{false, {}, 2}));

  EXPECT_EQ(client.scalar("SELECT SUM(hits) FROM multi_hits"), "2") << client.describe_error();
}

TEST_P(RelayMultiResultTest, ErrorInTheMiddleOfAMultiStatementEndsTheResponse) {
  MysqlClient client;
  ASSERT_TRUE(open(client, kScratchDatabase, CLIENT_MULTI_STATEMENTS));

  ASSERT_EQ(mysql_query(client.handle(), "SELECT 'first'; SELECT * FROM no_such_table; SELECT 3"),
            0)
      << client.describe_error();
  const std::vector<ResultSummary> results = read_all_results(client.handle());
  // The server stops at the failing statement: one result, then the error.
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].rows, (Rows{{"first"}}));
  EXPECT_EQ(client.error_code(), 1146u);
  EXPECT_FALSE(mysql_more_results(client.handle()));

  EXPECT_EQ(client.scalar("SELECT 'still in sync'"), "still in sync") << client.describe_error();
}

}  // namespace
}  // namespace sqlcache::testing
