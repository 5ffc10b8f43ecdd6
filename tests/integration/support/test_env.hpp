#pragma once
// Where the real servers of the integration tests listen. deploy/local/test.sh starts a
// private MariaDB and Redis and exports these variables before running ctest.
#include <string>

namespace sqlcache::testing {

struct TestEnv {
  std::string mysql_host = "127.0.0.1";
  int mysql_port = 0;          // SQLCACHE_TEST_MYSQL_PORT
  std::string mysql_user;      // SQLCACHE_TEST_MYSQL_USER
  std::string mysql_password;  // SQLCACHE_TEST_MYSQL_PASSWORD
  std::string redis_host = "127.0.0.1";
  int redis_port = 0;        // SQLCACHE_TEST_REDIS_PORT
  std::string proxy_binary;  // SQLCACHE_BINARY (defaults to the one CMake built)
  bool ci = false;           // CI=true: a missing server fails the test instead of skipping
};

// Reads the environment once. Tests call GTEST_SKIP() when a server is not configured, except
// under CI=true, where a missing server is a failure (support/server_requirement.hpp has the
// SQLCACHE_REQUIRE_* macros that do exactly that).
const TestEnv& test_env();

// Whether the MariaDB / Redis server is configured, and whether the proxy binary exists.
bool mysql_available();
bool redis_available();
bool proxy_binary_available();

// True under CI=true.
bool running_under_ci();

}  // namespace sqlcache::testing
