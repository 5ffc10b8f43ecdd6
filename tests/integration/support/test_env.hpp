#pragma once
// Where the real servers of the integration tests listen. deploy/local/test.sh starts a
// private MariaDB and Redis and exports these variables before running ctest.
#include <string>

namespace sqlcache::testing {

struct TestEnv {
  std::string mysql_host = "127.0.0.1";
  int mysql_port = 0;            // SQLCACHE_TEST_MYSQL_PORT
  std::string mysql_user;        // SQLCACHE_TEST_MYSQL_USER
  std::string mysql_password;    // SQLCACHE_TEST_MYSQL_PASSWORD
  std::string redis_host = "127.0.0.1";
  int redis_port = 0;            // SQLCACHE_TEST_REDIS_PORT
  std::string proxy_binary;      // SQLCACHE_BINARY (defaults to the one CMake built)
};

// Reads the environment once. Tests call GTEST_SKIP() when a server is not configured, except
// under CI=true, where a missing server is a failure (see require_servers()).
const TestEnv& test_env();

// Fails the current test (under CI) or skips it (on a developer machine) when the MariaDB or
// Redis server is not configured. Returns true when the test may go on.
bool mysql_available();
bool redis_available();

}  // namespace sqlcache::testing
