#pragma once
// Fixtures that run one test body against the database in two ways: straight to MariaDB
// (proving the test itself is right) and through a freshly started proxy in pure relay mode
// (`--store none`), which must be indistinguishable to the client.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

#include "support/mysql_client.hpp"
#include "support/proxy_process.hpp"

namespace sqlcache::testing {

enum class Route { kDirect, kThroughProxy };

// gtest prints a failing test's parameter with this.
void PrintTo(Route route, std::ostream* out);

// "Direct" / "ThroughProxy", for parameterised test names.
std::string route_name(const ::testing::TestParamInfo<Route>& info);

// The schema the relay tests create their tables in (created on demand, never dropped, so a
// failed test leaves its tables there to look at).
inline constexpr const char* kScratchDatabase = "sqlcache_capi";

class RouteTestBase : public ::testing::Test {
 protected:
  // Requires the server (skip, or fail under CI), creates the scratch schema and, for
  // kThroughProxy, starts the proxy. Call from SetUp() and ASSERT_NO_FATAL_FAILURE it.
  void set_up_route(Route route);
  void TearDown() override;

  bool through_proxy() const { return proxy_ != nullptr; }
  // Where clients of the route under test connect.
  std::string route_host() const;
  int route_port() const;
  ProxyProcess* proxy() { return proxy_.get(); }

  // Connects `client` (options may already be set on it) via the route under test, or
  // straight to the backend, as the test user. A failure names the route and the error.
  ::testing::AssertionResult open(MysqlClient& client, const std::string& db = kScratchDatabase,
                                  unsigned long flags = 0);
  ::testing::AssertionResult open_direct(MysqlClient& client,
                                         const std::string& db = kScratchDatabase,
                                         unsigned long flags = 0);

 private:
  std::unique_ptr<ProxyProcess> proxy_;
};

// Runs every TEST_P twice: once direct, once through the proxy.
class RelayTest : public RouteTestBase, public ::testing::WithParamInterface<Route> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(set_up_route(GetParam())); }
};

// For behaviour only a proxy has (its own connections, signals): always through the proxy.
class ProxiedTest : public RouteTestBase {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(set_up_route(Route::kThroughProxy)); }
};

// The proxy's arguments for a pure relay to the test backend (besides --listen), with
// kTestProxyThreads workers.
std::vector<std::string> pure_relay_arguments();

}  // namespace sqlcache::testing

#define SQLCACHE_INSTANTIATE_RELAY_ROUTES(fixture)                                       \
  INSTANTIATE_TEST_SUITE_P(Routes, fixture,                                              \
                           ::testing::Values(::sqlcache::testing::Route::kDirect,        \
                                             ::sqlcache::testing::Route::kThroughProxy), \
                           ::sqlcache::testing::route_name)
