// Session-level commands other than queries: COM_CHANGE_USER (a second authentication inside
// the session), COM_RESET_CONNECTION, COM_PING, COM_STATISTICS (a bare string reply),
// COM_INIT_DB, COM_FIELD_LIST (column definitions ended by EOF) and COM_PROCESS_KILL.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>
#include <string_view>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"
#include "support/test_env.hpp"

namespace sqlcache::testing {
namespace {

constexpr const char* kOtherUser = "sqlcache_capi_other";
constexpr const char* kOtherPassword = "other-secret";

class RelaySessionCommandTest : public RelayTest {
 protected:
  // A second account to change to; it needs no privileges beyond logging in. Created for every
  // host the server may see a loopback client as.
  void create_other_user() {
    MysqlClient admin;
    ASSERT_TRUE(open_direct(admin, ""));
    for (const char* host : {"127.0.0.1", "localhost", "%"}) {
      ASSERT_TRUE(admin.exec(std::string("CREATE OR REPLACE USER '") + kOtherUser + "'@'" + host +
                             "' IDENTIFIED BY '" + kOtherPassword + "'"))
          << admin.describe_error();
    }
  }
};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelaySessionCommandTest);

// The user part of CURRENT_USER(), which is what the server authenticated.
std::optional<std::string> authenticated_user(MysqlClient& client) {
  return client.scalar("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)");
}

TEST_P(RelaySessionCommandTest, ChangeUserSwitchesToAnotherUserAndBack) {
  ASSERT_NO_FATAL_FAILURE(create_other_user());
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const std::optional<std::string> connection_id = client.scalar("SELECT CONNECTION_ID()");
  ASSERT_TRUE(connection_id) << client.describe_error();

  ASSERT_EQ(mysql_change_user(client.handle(), kOtherUser, kOtherPassword, nullptr), 0)
      << client.describe_error();
  EXPECT_EQ(authenticated_user(client), kOtherUser) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT DATABASE()"), std::nullopt) << "no schema was asked for";

  const TestEnv& env = test_env();
  ASSERT_EQ(mysql_change_user(client.handle(), env.mysql_user.c_str(), env.mysql_password.c_str(),
                              kScratchDatabase),
            0)
      << client.describe_error();
  EXPECT_EQ(authenticated_user(client), env.mysql_user) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT DATABASE()"), kScratchDatabase) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT CONNECTION_ID()"), connection_id)
      << "change user keeps the session's connection";
}

TEST_P(RelaySessionCommandTest, ChangeUserWithAWrongPasswordFailsWith1045) {
  const TestEnv& env = test_env();
  MysqlClient client;
  ASSERT_TRUE(open(client));
  EXPECT_NE(mysql_change_user(client.handle(), env.mysql_user.c_str(), "wrong-password", nullptr),
            0);
  EXPECT_EQ(client.error_code(), 1045u);
  EXPECT_EQ(client.sqlstate(), "28000");
  const std::string message = client.error_message();
  const bool usable_after = client.scalar("SELECT 1").has_value();

  // The client must see exactly what the server does to a direct client in the same spot.
  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  EXPECT_NE(mysql_change_user(direct.handle(), env.mysql_user.c_str(), "wrong-password", nullptr),
            0);
  EXPECT_EQ(message, direct.error_message());
  EXPECT_EQ(usable_after, direct.scalar("SELECT 1").has_value());
}

TEST_P(RelaySessionCommandTest, ResetConnectionForgetsUserVariables) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  ASSERT_TRUE(client.exec("SET @remembered = 42")) << client.describe_error();
  ASSERT_EQ(client.scalar("SELECT @remembered"), "42") << client.describe_error();
  const std::optional<std::string> connection_id = client.scalar("SELECT CONNECTION_ID()");

  ASSERT_EQ(mysql_reset_connection(client.handle()), 0) << client.describe_error();
  const std::optional<Rows> after = client.query("SELECT @remembered");
  ASSERT_TRUE(after) << client.describe_error();
  EXPECT_EQ(*after, (Rows{{std::nullopt}}));
  EXPECT_EQ(client.scalar("SELECT CONNECTION_ID()"), connection_id)
      << "a reset keeps the connection";
}

TEST_P(RelaySessionCommandTest, PingAnswersAndTheSessionGoesOn) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  EXPECT_EQ(mysql_ping(client.handle()), 0) << client.describe_error();
  EXPECT_EQ(mysql_ping(client.handle()), 0) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT 'after ping'"), "after ping") << client.describe_error();
}

// The labels of a COM_STATISTICS string: "Uptime: 5  Threads: 1  Slow queries: 0" becomes
// "Uptime|Threads|Slow queries|" (items are separated by two spaces).
std::string statistics_labels(const char* statistics) {
  std::string labels;
  std::string_view rest = statistics != nullptr ? statistics : "";
  while (!rest.empty()) {
    const std::size_t separator = rest.find("  ");
    const std::string_view item = rest.substr(0, separator);
    labels += std::string(item.substr(0, item.find(':'))) + "|";
    if (separator == std::string_view::npos) break;
    rest.remove_prefix(separator + 2);
  }
  return labels;
}

TEST_P(RelaySessionCommandTest, StatisticsReplyIsTheServersStatusLine) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const char* statistics = mysql_stat(client.handle());
  ASSERT_NE(statistics, nullptr) << client.describe_error();
  EXPECT_TRUE(std::string(statistics).starts_with("Uptime: ")) << statistics;
  const std::string labels = statistics_labels(statistics);

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  EXPECT_EQ(labels, statistics_labels(mysql_stat(direct.handle())));
  EXPECT_EQ(client.scalar("SELECT 'after stat'"), "after stat") << client.describe_error();
}

TEST_P(RelaySessionCommandTest, SelectDbChangesTheDefaultSchema) {
  MysqlClient client;
  ASSERT_TRUE(open(client, ""));
  ASSERT_EQ(mysql_select_db(client.handle(), "tutorial"), 0) << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT DATABASE()"), "tutorial") << client.describe_error();
  EXPECT_EQ(client.scalar("SELECT COUNT(*) FROM planet"), "8") << client.describe_error();

  EXPECT_NE(mysql_select_db(client.handle(), "no_such_schema_capi"), 0);
  EXPECT_EQ(client.error_code(), 1049u);
  EXPECT_EQ(client.sqlstate(), "42000");
  EXPECT_EQ(client.scalar("SELECT DATABASE()"), "tutorial")
      << "a failed COM_INIT_DB changes nothing";
}

TEST_P(RelaySessionCommandTest, ListFieldsDescribesTheColumnsOfATable) {
  MysqlClient client;
  ASSERT_TRUE(open(client, "tutorial"));
  MYSQL_RES* all = mysql_list_fields(client.handle(), "planet", nullptr);
  ASSERT_NE(all, nullptr) << client.describe_error();
  const std::vector<ColumnDefinition> columns = column_definitions(all);
  mysql_free_result(all);
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].name, "id");
  EXPECT_EQ(columns[1].name, "name");

  MYSQL_RES* matching = mysql_list_fields(client.handle(), "planet", "na%");
  ASSERT_NE(matching, nullptr) << client.describe_error();
  const std::vector<ColumnDefinition> filtered = column_definitions(matching);
  mysql_free_result(matching);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].name, "name");

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct, "tutorial"));
  MYSQL_RES* direct_all = mysql_list_fields(direct.handle(), "planet", nullptr);
  ASSERT_NE(direct_all, nullptr) << direct.describe_error();
  EXPECT_EQ(columns, column_definitions(direct_all));
  mysql_free_result(direct_all);

  EXPECT_EQ(client.scalar("SELECT 'after field list'"), "after field list")
      << client.describe_error();
}

TEST_P(RelaySessionCommandTest, KillEndsAnotherConnectionOfTheSameRoute) {
  MysqlClient victim;
  ASSERT_TRUE(open(victim));
  // The id in the greeting is the backend's, so the client can name its own session.
  EXPECT_EQ(std::to_string(victim.thread_id()), victim.scalar("SELECT CONNECTION_ID()"));

  MysqlClient killer;
  ASSERT_TRUE(open(killer));
  ASSERT_EQ(mysql_kill(killer.handle(), victim.thread_id()), 0) << killer.describe_error();

  EXPECT_FALSE(victim.query("SELECT 1"));
  EXPECT_TRUE(is_clean_connection_failure(victim.error_code())) << victim.describe_error();
  EXPECT_EQ(killer.scalar("SELECT 'killer lives'"), "killer lives") << killer.describe_error();
}

}  // namespace
}  // namespace sqlcache::testing
