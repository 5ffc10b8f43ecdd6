#include "support/relay_fixture.hpp"

#include <iostream>

#include "support/server_requirement.hpp"
#include "support/test_env.hpp"

namespace sqlcache::testing {

void PrintTo(Route route, std::ostream* out) {
  *out << (route == Route::kDirect ? "direct" : "through the proxy");
}

std::string route_name(const ::testing::TestParamInfo<Route>& info) {
  return info.param == Route::kDirect ? "Direct" : "ThroughProxy";
}

std::vector<std::string> pure_relay_arguments() {
  const TestEnv& env = test_env();
  // Explicit: the default (one worker per core) would be one on a one-core machine.
  return {"--backend", env.mysql_host + ":" + std::to_string(env.mysql_port),
          "--store",   "none",
          "--threads", std::to_string(kTestProxyThreads)};
}

void RouteTestBase::set_up_route(Route route) {
  SQLCACHE_REQUIRE_MYSQL();
  {
    MysqlClient admin;
    ASSERT_TRUE(open_direct(admin, ""));
    ASSERT_TRUE(admin.exec(std::string("CREATE DATABASE IF NOT EXISTS ") + kScratchDatabase))
        << admin.describe_error();
  }
  if (route == Route::kDirect) return;

  SQLCACHE_REQUIRE_PROXY_BINARY();
  proxy_ = std::make_unique<ProxyProcess>();
  ASSERT_TRUE(proxy_->start(test_env().proxy_binary, pure_relay_arguments()))
      << proxy_->start_error() << "\nproxy log:\n"
      << proxy_->log();
}

void RouteTestBase::TearDown() {
  if (proxy_ != nullptr && HasFailure()) {
    proxy_->keep_log_file();
    std::cerr << "proxy log (" << proxy_->log_path() << "):\n" << proxy_->log() << std::endl;
  }
  proxy_.reset();
}

std::string RouteTestBase::route_host() const {
  return through_proxy() ? "127.0.0.1" : test_env().mysql_host;
}

int RouteTestBase::route_port() const {
  return through_proxy() ? proxy_->port() : test_env().mysql_port;
}

::testing::AssertionResult RouteTestBase::open(MysqlClient& client, const std::string& db,
                                               unsigned long flags) {
  const TestEnv& env = test_env();
  if (client.connect(route_host(), route_port(), env.mysql_user, env.mysql_password, db, flags)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "connect " << (through_proxy() ? "through the proxy" : "directly") << " to "
         << route_host() << ":" << route_port() << " failed: " << client.describe_error();
}

::testing::AssertionResult RouteTestBase::open_direct(MysqlClient& client, const std::string& db,
                                                      unsigned long flags) {
  const TestEnv& env = test_env();
  if (client.connect(env.mysql_host, env.mysql_port, env.mysql_user, env.mysql_password, db,
                     flags)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "direct connect to " << env.mysql_host << ":"
                                       << env.mysql_port << " failed: " << client.describe_error();
}

}  // namespace sqlcache::testing
