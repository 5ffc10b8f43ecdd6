#include "support/test_env.hpp"

#include <unistd.h>

#include <cstdlib>

namespace sqlcache::testing {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

TestEnv read_env() {
  TestEnv env;
  env.mysql_port = std::atoi(env_or("SQLCACHE_TEST_MYSQL_PORT", "0").c_str());
  env.mysql_user = env_or("SQLCACHE_TEST_MYSQL_USER", "sqlcache");
  env.mysql_password = env_or("SQLCACHE_TEST_MYSQL_PASSWORD", "sqlcache");
  env.redis_port = std::atoi(env_or("SQLCACHE_TEST_REDIS_PORT", "0").c_str());
#ifdef SQLCACHE_BINARY
  env.proxy_binary = env_or("SQLCACHE_BINARY", SQLCACHE_BINARY);
#else
  env.proxy_binary = env_or("SQLCACHE_BINARY", "sqlcache");
#endif
  env.ci = env_or("CI", "") == "true";
  return env;
}

}  // namespace

const TestEnv& test_env() {
  static const TestEnv env = read_env();
  return env;
}

bool mysql_available() { return test_env().mysql_port > 0; }
bool redis_available() { return test_env().redis_port > 0; }
bool proxy_binary_available() { return ::access(test_env().proxy_binary.c_str(), X_OK) == 0; }
bool running_under_ci() { return test_env().ci; }

}  // namespace sqlcache::testing
