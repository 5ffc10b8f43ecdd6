// What only a proxy has: its own backend connection per client, and its own process. A client
// that leaves must not leave a backend connection behind; a backend connection that dies must
// fail its client and nobody else; SIGTERM must end the process cleanly and promptly.
#include <gtest/gtest.h>
#include <mysql.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "support/eventually.hpp"
#include "support/mysql_client.hpp"
#include "support/proxy_process.hpp"
#include "support/relay_fixture.hpp"
#include "support/test_env.hpp"

namespace sqlcache::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RelayConnectionLifecycleTest : public ProxiedTest {
 protected:
  // A client of the proxy whose reads give up after a while, so that a proxy that never
  // answers fails the test (slowly) instead of hanging it.
  ::testing::AssertionResult open_with_read_timeout(MysqlClient& client) {
    client.set_option(MYSQL_OPT_READ_TIMEOUT, &kReadTimeoutSeconds);
    return open(client);
  }

  static constexpr unsigned kReadTimeoutSeconds = 10;
};

// How long a backend connection may outlive its client: the proxy notices the client's EOF
// and closes the backend socket; the server then drops the thread.
constexpr milliseconds kBackendCloseBound = seconds(3);
// How long the proxy may take to exit after SIGTERM with an idle client.
constexpr milliseconds kShutdownBound = seconds(10);

bool backend_connection_gone(unsigned long id) { return backend_has_connection(id) == false; }

TEST_F(RelayConnectionLifecycleTest, ClientQuitClosesItsBackendConnection) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const unsigned long id = client.thread_id();
  ASSERT_EQ(backend_has_connection(id), true) << "the client's session is on the backend";

  client.close();  // COM_QUIT
  EXPECT_TRUE(eventually([&] { return backend_connection_gone(id); }, kBackendCloseBound))
      << "backend connection " << id << " still open after the client quit";
}

TEST_F(RelayConnectionLifecycleTest, ClientVanishingWithoutQuitClosesItsBackendConnection) {
  MysqlClient client;
  ASSERT_TRUE(open(client));
  const unsigned long id = client.thread_id();
  ASSERT_EQ(backend_has_connection(id), true);

  // A crashed client: the socket ends without COM_QUIT. (mysql_close later writes its
  // COM_QUIT into a shut socket; libmariadb sends with MSG_NOSIGNAL, and the write just fails.)
  ASSERT_EQ(shutdown(mysql_get_socket(client.handle()), SHUT_RDWR), 0);
  EXPECT_TRUE(eventually([&] { return backend_connection_gone(id); }, kBackendCloseBound))
      << "backend connection " << id << " still open after its client vanished";
}

TEST_F(RelayConnectionLifecycleTest, KilledBackendConnectionFailsItsClientOnly) {
  MysqlClient bystander;
  ASSERT_TRUE(open(bystander));
  MysqlClient victim;
  ASSERT_TRUE(open_with_read_timeout(victim));
  const std::optional<std::string> id = victim.scalar("SELECT CONNECTION_ID()");
  ASSERT_TRUE(id) << victim.describe_error();

  MysqlClient admin;
  ASSERT_TRUE(open_direct(admin));
  ASSERT_TRUE(admin.exec("KILL CONNECTION " + *id)) << admin.describe_error();

  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(victim.query("SELECT 'after the kill'"));
  const auto waited = std::chrono::steady_clock::now() - started;
  // A lost connection, or an error packet the client understands (the server's 1927
  // "connection was killed", or one the proxy writes) -- not a hang, a result or garbage.
  EXPECT_TRUE(is_clean_connection_failure(victim.error_code())) << victim.describe_error();
  EXPECT_LT(waited, seconds(kReadTimeoutSeconds / 2))
      << "the client only learnt from its read timeout: " << victim.describe_error();

  EXPECT_TRUE(proxy()->running());
  EXPECT_EQ(bystander.scalar("SELECT 'bystander'"), "bystander") << bystander.describe_error();
  MysqlClient newcomer;
  ASSERT_TRUE(open(newcomer));
  EXPECT_EQ(newcomer.scalar("SELECT 'newcomer'"), "newcomer") << newcomer.describe_error();
}

TEST_F(RelayConnectionLifecycleTest, SigtermWithoutClientsExitsZero) {
  const std::optional<ProcessExit> ended = proxy()->stop(kShutdownBound);
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->clean()) << ended->describe();
}

// A SIGTERM that arrives as soon as the port accepts (a supervisor stopping what it just
// started) must be a clean shutdown too. The signal handler used to be installed only after
// the ports were open, so such a SIGTERM killed the process (seen under ThreadSanitizer, where
// that window is widest).
TEST_F(RelayConnectionLifecycleTest, SigtermTheMomentThePortAcceptsExitsZero) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    SCOPED_TRACE(attempt);
    ProxyProcess proxy;
    ASSERT_TRUE(proxy.start(test_env().proxy_binary, pure_relay_arguments()))
        << proxy.start_error() << "\n"
        << proxy.log();
    const std::optional<ProcessExit> ended = proxy.stop(kShutdownBound);
    ASSERT_TRUE(ended);
    EXPECT_TRUE(ended->clean()) << ended->describe() << "\n" << proxy.log();
  }
}

TEST_F(RelayConnectionLifecycleTest, SigtermWithAnIdleClientExitsZeroAndRefusesNewClients) {
  MysqlClient idle;
  ASSERT_TRUE(open_with_read_timeout(idle));
  ASSERT_EQ(idle.scalar("SELECT 'idle now'"), "idle now") << idle.describe_error();
  const int port = proxy()->port();

  ASSERT_TRUE(proxy()->signal(SIGTERM));
  EXPECT_TRUE(eventually([&] { return !loopback_port_accepts(port); }, seconds(2)))
      << "the proxy still accepts connections after SIGTERM";
  const std::optional<ProcessExit> ended = proxy()->wait_for_exit(kShutdownBound);
  ASSERT_TRUE(ended) << "still running " << kShutdownBound.count() << " ms after SIGTERM";
  EXPECT_TRUE(ended->clean()) << ended->describe();

  // The idle client learns at its next command that the connection is gone.
  EXPECT_FALSE(idle.query("SELECT 1"));
  EXPECT_TRUE(is_clean_connection_failure(idle.error_code())) << idle.describe_error();
  MysqlClient late;
  EXPECT_FALSE(open(late));
}

}  // namespace
}  // namespace sqlcache::testing
