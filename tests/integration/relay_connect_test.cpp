// The connection phase through libmysqlclient: the greeting and the authentication exchange
// are the backend's own (the proxy holds no credentials), so a wrong password, a default
// schema in the handshake and an unknown schema must look exactly as they do directly.
#include <gtest/gtest.h>
#include <mysql.h>

#include <string>

#include "support/mysql_client.hpp"
#include "support/relay_fixture.hpp"
#include "support/test_env.hpp"

namespace sqlcache::testing {
namespace {

class RelayConnectTest : public RelayTest {
 protected:
  // Connects via the route under test with the given credentials; returns the client with its
  // error state (if any).
  MysqlClient attempt(const std::string& user, const std::string& password,
                      const std::string& db = "") {
    MysqlClient client;
    client.connect(route_host(), route_port(), user, password, db);
    return client;
  }
  MysqlClient attempt_direct(const std::string& user, const std::string& password,
                             const std::string& db = "") {
    const TestEnv& env = test_env();
    MysqlClient client;
    client.connect(env.mysql_host, env.mysql_port, user, password, db);
    return client;
  }
};
SQLCACHE_INSTANTIATE_RELAY_ROUTES(RelayConnectTest);

// "Access denied for user 'u'@'host' ..." with the host part masked: the proxy connects from
// its own address, which may be spelt differently from the test's.
std::string without_client_host(std::string message) {
  const std::size_t host = message.find("'@'");
  if (host == std::string::npos) return message;
  const std::size_t begin = host + 3;
  const std::size_t end = message.find('\'', begin);
  if (end == std::string::npos) return message;
  return message.replace(begin, end - begin, "<host>");
}

TEST_P(RelayConnectTest, WrongPasswordFailsWith1045LikeTheServerSaysIt) {
  const TestEnv& env = test_env();
  MysqlClient refused = attempt(env.mysql_user, "wrong-password");
  EXPECT_EQ(refused.error_code(), 1045u) << refused.describe_error();
  EXPECT_EQ(refused.sqlstate(), "28000");

  MysqlClient direct = attempt_direct(env.mysql_user, "wrong-password");
  ASSERT_EQ(direct.error_code(), 1045u) << direct.describe_error();
  EXPECT_EQ(without_client_host(refused.error_message()),
            without_client_host(direct.error_message()));

  // A refused login leaves the route serving others.
  MysqlClient accepted;
  ASSERT_TRUE(open(accepted));
  EXPECT_EQ(accepted.scalar("SELECT 'in'"), "in") << accepted.describe_error();
}

TEST_P(RelayConnectTest, DefaultSchemaFromTheHandshakeIsSelected) {
  MysqlClient client;
  ASSERT_TRUE(open(client, "tutorial"));
  EXPECT_TRUE(client.handle()->client_flag & CLIENT_CONNECT_WITH_DB);
  EXPECT_EQ(client.scalar("SELECT DATABASE()"), "tutorial") << client.describe_error();

  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct, "tutorial"));
  EXPECT_EQ(client.query("SELECT id, name FROM planet ORDER BY id"),
            direct.query("SELECT id, name FROM planet ORDER BY id"));
}

TEST_P(RelayConnectTest, UnknownDefaultSchemaFailsWith1049) {
  const TestEnv& env = test_env();
  MysqlClient refused = attempt(env.mysql_user, env.mysql_password, "no_such_schema_capi");
  EXPECT_EQ(refused.error_code(), 1049u) << refused.describe_error();
  MysqlClient direct = attempt_direct(env.mysql_user, env.mysql_password, "no_such_schema_capi");
  EXPECT_EQ(refused.error_message(), direct.error_message());
}

TEST_P(RelayConnectTest, ConnectsWithinTheConnectTimeout) {
  MysqlClient client;
  const unsigned connect_timeout_seconds = 2;
  const unsigned read_timeout_seconds = 5;
  ASSERT_TRUE(client.set_option(MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout_seconds));
  ASSERT_TRUE(client.set_option(MYSQL_OPT_READ_TIMEOUT, &read_timeout_seconds));
  ASSERT_TRUE(open(client));
  EXPECT_EQ(client.scalar("SELECT 'in time'"), "in time") << client.describe_error();
}

TEST_P(RelayConnectTest, GreetingCarriesTheBackendsVersionAndConnectionId) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  MysqlClient direct;
  ASSERT_TRUE(open_direct(direct));
  EXPECT_STREQ(mysql_get_server_info(client.handle()), mysql_get_server_info(direct.handle()));
  EXPECT_EQ(mysql_get_proto_info(client.handle()), 10u);
  EXPECT_EQ(std::to_string(client.thread_id()), client.scalar("SELECT CONNECTION_ID()"));
}

}  // namespace
}  // namespace sqlcache::testing
