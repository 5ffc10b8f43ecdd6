#pragma once
// Skip-or-fail for tests that need a real server: on a developer machine without the server
// the test is skipped; under CI=true it fails, so a broken environment cannot pass as green.
// Use in a test body or a fixture's SetUp() (gtest runs no test body after a fatal failure
// or a skip in SetUp()).
#include <gtest/gtest.h>

#include "support/test_env.hpp"

#define SQLCACHE_REQUIRE(available, what)                     \
  do {                                                        \
    if (!(available)) {                                       \
      if (::sqlcache::testing::running_under_ci()) {          \
        GTEST_FAIL() << what << " is required under CI=true"; \
      } else {                                                \
        GTEST_SKIP() << what << " is not configured";         \
      }                                                       \
    }                                                         \
  } while (false)

#define SQLCACHE_REQUIRE_MYSQL() \
  SQLCACHE_REQUIRE(::sqlcache::testing::mysql_available(), "MariaDB (SQLCACHE_TEST_MYSQL_PORT)")

#define SQLCACHE_REQUIRE_REDIS() \
  SQLCACHE_REQUIRE(::sqlcache::testing::redis_available(), "Redis (SQLCACHE_TEST_REDIS_PORT)")

#define SQLCACHE_REQUIRE_PROXY_BINARY()              \
  SQLCACHE_REQUIRE(                                  \
      ::sqlcache::testing::proxy_binary_available(), \
      "the proxy binary (SQLCACHE_BINARY=" + ::sqlcache::testing::test_env().proxy_binary + ")")
