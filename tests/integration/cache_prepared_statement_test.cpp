// Prepared statements and the cache, through libmysqlclient's mysql_stmt_* API against the real
// MariaDB and Redis. A COM_STMT_EXECUTE of a cacheable SELECT is cached under the statement
// text plus the bound parameter types and values (not the statement id): the second execute
// with the same parameters is a hit (the backend's Com_stmt_execute does not move), other
// parameters miss, writes of either protocol invalidate entries of both, and executes with a
// cursor or with long data go to the database.
#include <gtest/gtest.h>
#include <mysql.h>

#include <cstring>
#include <string>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

const std::string kLookup = "SELECT id, name FROM ps_item WHERE id = ?";

// One BIGINT parameter, bound to a variable that outlives the executes.
struct IdParameter {
  long long id = 0;
  MYSQL_BIND bind{};
  IdParameter() {
    bind.buffer_type = MYSQL_TYPE_LONGLONG;
    bind.buffer = &id;
  }
};

class CachePreparedStatementTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(
        create_table("ps_item", "id INT PRIMARY KEY, name VARCHAR(32) NOT NULL",
                     "(1, 'Mercury'), (2, 'Venus'), (3, 'Earth'), (4, 'Mars'), (5, 'Jupiter')"));
    ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
    ASSERT_TRUE(connect_proxy(client_));
  }

  // Binds `id` (sending the types again with the next execute), executes, fetches; counts
  // the backend's executes meanwhile.
  struct Execution {
    std::optional<Rows> rows;
    std::optional<long long> backend_executes;
  };
  Execution execute(MYSQL_STMT* statement, IdParameter& parameter, long long id,
                    bool rebind = true) {
    parameter.id = id;
    if (rebind && mysql_stmt_bind_param(statement, &parameter.bind) != 0) {
      ADD_FAILURE() << describe_error(statement);
      return {};
    }
    return execute_only(statement);
  }
  Execution execute_only(MYSQL_STMT* statement) {
    Execution result;
    result.backend_executes =
        counter_delta("Com_stmt_execute", [&] { result.rows = execute_and_fetch(statement); });
    EXPECT_TRUE(result.rows) << describe_error(statement);
    return result;
  }

  MysqlClient client_;
};

TEST_F(CachePreparedStatementTest, SecondExecuteWithTheSameParametersIsAHit) {
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  Execution miss = execute(lookup.get(), parameter, 2);
  EXPECT_EQ(miss.backend_executes, 1);
  EXPECT_EQ(miss.rows, (Rows{{"2", "Venus"}}));

  Execution hit = execute(lookup.get(), parameter, 2);
  EXPECT_EQ(hit.backend_executes, 0) << "the same parameters again must not reach the database";
  EXPECT_EQ(hit.rows, miss.rows);

  MysqlClient direct;
  ASSERT_TRUE(connect_direct_utf8(direct));
  StatementPtr direct_lookup = prepare_statement(direct, kLookup);
  ASSERT_TRUE(direct_lookup);
  IdParameter direct_parameter;
  direct_parameter.id = 2;
  ASSERT_EQ(mysql_stmt_bind_param(direct_lookup.get(), &direct_parameter.bind), 0);
  EXPECT_EQ(hit.rows, execute_and_fetch(direct_lookup.get()));
}

TEST_F(CachePreparedStatementTest, DifferentParametersMiss) {
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  EXPECT_EQ(execute(lookup.get(), parameter, 2).backend_executes, 1);
  Execution other = execute(lookup.get(), parameter, 3);
  EXPECT_EQ(other.backend_executes, 1);
  EXPECT_EQ(other.rows, (Rows{{"3", "Earth"}}));
  Execution none = execute(lookup.get(), parameter, 42);
  EXPECT_EQ(none.backend_executes, 1);
  EXPECT_EQ(none.rows, Rows{});
  Execution back = execute(lookup.get(), parameter, 2);
  EXPECT_EQ(back.backend_executes, 0);
  EXPECT_EQ(back.rows, (Rows{{"2", "Venus"}}));
  EXPECT_EQ(execute(lookup.get(), parameter, 42).backend_executes, 0) << "empty results too";
}

TEST_F(CachePreparedStatementTest, AnotherStatementAndAnotherClientShareTheEntry) {
  StatementPtr first = prepare_statement(client_, kLookup);
  ASSERT_TRUE(first);
  IdParameter parameter;
  EXPECT_EQ(execute(first.get(), parameter, 4).backend_executes, 1);

  StatementPtr second = prepare_statement(client_, kLookup);  // another statement id
  ASSERT_TRUE(second);
  EXPECT_EQ(execute(second.get(), parameter, 4).backend_executes, 0);

  MysqlClient other;
  ASSERT_TRUE(connect_proxy(other));
  StatementPtr elsewhere = prepare_statement(other, kLookup);
  ASSERT_TRUE(elsewhere);
  Execution hit = execute(elsewhere.get(), parameter, 4);
  EXPECT_EQ(hit.backend_executes, 0);
  EXPECT_EQ(hit.rows, (Rows{{"4", "Mars"}}));
}

TEST_F(CachePreparedStatementTest, TextAndBinaryResultsAreSeparateEntries) {
  // The same SELECT as text and as a prepared statement: different encodings, never mixed.
  ASSERT_TRUE(counted_query(client_, "SELECT id, name FROM ps_item WHERE id = 5").result);
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  Execution binary = execute(lookup.get(), parameter, 5);
  EXPECT_EQ(binary.backend_executes, 1);
  EXPECT_EQ(binary.rows, (Rows{{"5", "Jupiter"}}));
  StatementPtr literal = prepare_statement(client_, "SELECT id, name FROM ps_item WHERE id = 5");
  ASSERT_TRUE(literal);
  Execution no_parameters = execute_only(literal.get());
  EXPECT_EQ(no_parameters.backend_executes, 1);
  EXPECT_EQ(no_parameters.rows, (Rows{{"5", "Jupiter"}}));
  EXPECT_EQ(execute_only(literal.get()).backend_executes, 0);
}

TEST_F(CachePreparedStatementTest, PreparedUpdateInvalidatesPreparedAndTextSelects) {
  const std::string text_select = "SELECT name FROM ps_item WHERE id = 2";
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  execute(lookup.get(), parameter, 2);
  EXPECT_EQ(execute(lookup.get(), parameter, 2).backend_executes, 0);
  MysqlClient reader;
  ASSERT_TRUE(connect_proxy(reader));
  ASSERT_TRUE(counted_query(reader, text_select).result);
  EXPECT_EQ(counted_query(reader, text_select).backend_count, 0);

  StatementPtr update = prepare_statement(client_, "UPDATE ps_item SET name = ? WHERE id = ?");
  ASSERT_TRUE(update);
  std::string name = "Venus II";
  unsigned long name_length = name.size();
  long long id = 2;
  MYSQL_BIND binds[2]{};
  binds[0].buffer_type = MYSQL_TYPE_STRING;
  binds[0].buffer = name.data();
  binds[0].length = &name_length;
  binds[1].buffer_type = MYSQL_TYPE_LONGLONG;
  binds[1].buffer = &id;
  ASSERT_EQ(mysql_stmt_bind_param(update.get(), binds), 0) << describe_error(update.get());
  ASSERT_EQ(mysql_stmt_execute(update.get()), 0) << describe_error(update.get());
  EXPECT_EQ(mysql_stmt_affected_rows(update.get()), 1u);

  Execution prepared_after = execute(lookup.get(), parameter, 2);
  EXPECT_EQ(prepared_after.rows, (Rows{{"2", "Venus II"}}));
  EXPECT_EQ(prepared_after.backend_executes, 1);
  CountedResult text_after = counted_query(reader, text_select);
  ASSERT_TRUE(text_after.result);
  EXPECT_EQ(text_after.result->rows, (Rows{{"Venus II"}}));
  EXPECT_EQ(text_after.backend_count, 1);
}

TEST_F(CachePreparedStatementTest, TextUpdateInvalidatesPreparedSelect) {
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  execute(lookup.get(), parameter, 3);
  EXPECT_EQ(execute(lookup.get(), parameter, 3).backend_executes, 0);
  MysqlClient writer;
  ASSERT_TRUE(connect_proxy(writer));
  ASSERT_TRUE(writer.exec("UPDATE ps_item SET name = 'Terra' WHERE id = 3"))
      << writer.describe_error();
  Execution after = execute(lookup.get(), parameter, 3);
  EXPECT_EQ(after.rows, (Rows{{"3", "Terra"}}));
  EXPECT_EQ(after.backend_executes, 1);
}

TEST_F(CachePreparedStatementTest, ReExecuteWithoutRebindingHitsTheSameEntry) {
  // libmysqlclient sends the parameter types only with the first execute after
  // mysql_stmt_bind_param; later executes carry the values alone. The proxy must key those
  // with the types it remembered.
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  Execution first = execute(lookup.get(), parameter, 1);
  EXPECT_EQ(first.backend_executes, 1);
  Execution again = execute(lookup.get(), parameter, 1, /*rebind=*/false);
  EXPECT_EQ(again.backend_executes, 0) << "an execute without types must find the same entry";
  EXPECT_EQ(again.rows, first.rows);

  Execution changed = execute(lookup.get(), parameter, 5, /*rebind=*/false);
  EXPECT_EQ(changed.backend_executes, 1) << "a new value without rebinding is a new entry";
  EXPECT_EQ(changed.rows, (Rows{{"5", "Jupiter"}}));
  Execution rebound = execute(lookup.get(), parameter, 5, /*rebind=*/true);
  EXPECT_EQ(rebound.backend_executes, 0) << "with types sent again: the same entry";
  EXPECT_EQ(rebound.rows, changed.rows);
}

TEST_F(CachePreparedStatementTest, CursorFetchBypassesTheCacheAndReturnsTheRows) {
  StatementPtr scan = prepare_statement(client_, "SELECT id, name FROM ps_item WHERE id >= ?");
  ASSERT_TRUE(scan);
  unsigned long cursor = CURSOR_TYPE_READ_ONLY;
  unsigned long prefetch = 2;  // several COM_STMT_FETCH round trips
  ASSERT_EQ(mysql_stmt_attr_set(scan.get(), STMT_ATTR_CURSOR_TYPE, &cursor), 0);
  ASSERT_EQ(mysql_stmt_attr_set(scan.get(), STMT_ATTR_PREFETCH_ROWS, &prefetch), 0);
  IdParameter parameter;
  const Rows expected{{"2", "Venus"}, {"3", "Earth"}, {"4", "Mars"}, {"5", "Jupiter"}};
  for (int i = 0; i < 3; ++i) {
    BackendCounter fetches("Com_stmt_fetch");
    Execution run = execute(scan.get(), parameter, 2);
    EXPECT_EQ(run.backend_executes, 1) << "execute " << i << " with a cursor was cached";
    EXPECT_EQ(run.rows, expected) << "execute " << i;
    EXPECT_GE(fetches.delta().value_or(0), 2) << "rows came through COM_STMT_FETCH";
  }
  // Nor did the cursor executes fill an entry for the same statement without a cursor.
  StatementPtr plain = prepare_statement(client_, "SELECT id, name FROM ps_item WHERE id >= ?");
  ASSERT_TRUE(plain);
  Execution first_plain = execute(plain.get(), parameter, 2);
  EXPECT_EQ(first_plain.backend_executes, 1);
  EXPECT_EQ(first_plain.rows, expected);
  EXPECT_EQ(execute(plain.get(), parameter, 2).backend_executes, 0);
}

TEST_F(CachePreparedStatementTest, LongDataBypassesTheCacheAndReturnsTheRows) {
  StatementPtr by_name = prepare_statement(client_, "SELECT id FROM ps_item WHERE name = ?");
  ASSERT_TRUE(by_name);
  MYSQL_BIND bind{};
  bind.buffer_type = MYSQL_TYPE_STRING;
  ASSERT_EQ(mysql_stmt_bind_param(by_name.get(), &bind), 0);
  for (int i = 0; i < 2; ++i) {
    // The value arrives in COM_STMT_SEND_LONG_DATA pieces, not in the execute packet.
    ASSERT_EQ(mysql_stmt_send_long_data(by_name.get(), 0, "Jup", 3), 0);
    ASSERT_EQ(mysql_stmt_send_long_data(by_name.get(), 0, "iter", 4), 0);
    Execution run = execute_only(by_name.get());
    EXPECT_EQ(run.backend_executes, 1) << "execute " << i << " with long data was cached";
    EXPECT_EQ(run.rows, (Rows{{"5"}})) << "execute " << i;
  }
  // The same value sent inline is cached as usual (and was not filled by the long data runs).
  std::string name = "Jupiter";
  unsigned long length = name.size();
  MYSQL_BIND inline_bind{};
  inline_bind.buffer_type = MYSQL_TYPE_STRING;
  inline_bind.buffer = name.data();
  inline_bind.length = &length;
  ASSERT_EQ(mysql_stmt_bind_param(by_name.get(), &inline_bind), 0);
  Execution inline_miss = execute_only(by_name.get());
  EXPECT_EQ(inline_miss.backend_executes, 1);
  EXPECT_EQ(inline_miss.rows, (Rows{{"5"}}));
  EXPECT_EQ(execute_only(by_name.get()).backend_executes, 0);
}

TEST_F(CachePreparedStatementTest, ExecuteDirectHitsLikeAnyExecute) {
  // MariaDB's mariadb_stmt_execute_direct() sends COM_STMT_PREPARE and a COM_STMT_EXECUTE for
  // "the statement just prepared" (id 0xFFFFFFFF) in one write, before any reply.
  for (int round = 0; round < 3; ++round) {
    StatementPtr statement(mysql_stmt_init(client_.handle()));
    ASSERT_TRUE(statement);
    unsigned int parameter_count = 1;
    ASSERT_EQ(mysql_stmt_attr_set(statement.get(), STMT_ATTR_PREBIND_PARAMS, &parameter_count), 0);
    IdParameter parameter;
    parameter.id = 4;
    ASSERT_EQ(mysql_stmt_bind_param(statement.get(), &parameter.bind), 0);
    Execution run;
    run.backend_executes = counter_delta("Com_stmt_execute", [&] {
      if (mariadb_stmt_execute_direct(statement.get(), kLookup.data(), kLookup.size()) != 0) {
        return;
      }
      run.rows = execute_and_fetch_results(statement.get());
    });
    ASSERT_TRUE(run.rows) << describe_error(statement.get());
    EXPECT_EQ(run.rows, (Rows{{"4", "Mars"}})) << "round " << round;
    EXPECT_EQ(run.backend_executes, round == 0 ? 1 : 0) << "round " << round;
  }
}

TEST_F(CachePreparedStatementTest, PreparedReadInsideATransactionBypasses) {
  StatementPtr lookup = prepare_statement(client_, kLookup);
  ASSERT_TRUE(lookup);
  IdParameter parameter;
  execute(lookup.get(), parameter, 1);
  ASSERT_TRUE(client_.exec("BEGIN"));
  EXPECT_EQ(execute(lookup.get(), parameter, 1).backend_executes, 1);
  ASSERT_TRUE(client_.exec("COMMIT"));
  EXPECT_EQ(execute(lookup.get(), parameter, 1).backend_executes, 0);
}

}  // namespace
}  // namespace sqlcache::testing
