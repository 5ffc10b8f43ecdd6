// Identical misses at the same moment, against the real MariaDB and Redis: one client goes to
// the database, the others wait for its result (cache.coalesce_wait) instead of running the
// same slow query again, and everyone gets the same correct answer.
#include <gtest/gtest.h>

#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

constexpr int kClients = 6;

class CacheCoalescingTest : public CacheTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    // 120 rows: the triple self-join below counts 1.7 million rows, a few hundred ms.
    std::string rows;
    for (int i = 1; i <= 120; ++i) rows += (i > 1 ? ", (" : "(") + std::to_string(i) + ")";
    ASSERT_NO_FATAL_FAILURE(create_table("coalesce_item", "id INT PRIMARY KEY", rows));
    CacheProxyConfig config = redis_config();
    // Longer than the slow query on a loaded machine: the followers must not give up.
    config.extra_cache_yaml = "  coalesce_wait: 20s\n";
    config.threads = 1;  // coalescing works per worker thread: one coalescing map for all
    ASSERT_NO_FATAL_FAILURE(start_proxy(config));
  }
};

TEST_F(CacheCoalescingTest, IdenticalConcurrentMissesReachTheDatabaseOnce) {
  const std::string sql =
      "SELECT COUNT(*) FROM coalesce_item a JOIN coalesce_item b JOIN coalesce_item c "
      "WHERE a.id + b.id > c.id";
  std::vector<MysqlClient> clients(kClients);
  for (MysqlClient& client : clients) ASSERT_TRUE(connect_proxy(client));
  std::optional<std::string> expected = admin_.scalar(sql);
  ASSERT_TRUE(expected) << admin_.describe_error();

  std::vector<std::optional<std::string>> answers(kClients);
  std::barrier start(kClients);
  const std::optional<long long> backend_selects = counter_delta("Com_select", [&] {
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        answers[i] = clients[i].scalar(sql);
      });
    }
    for (std::thread& thread : threads) thread.join();
  });
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(answers[i], expected) << "client " << i << ": " << clients[i].describe_error();
  }
  EXPECT_EQ(backend_selects, 1) << kClients << " identical concurrent misses";
}

}  // namespace
}  // namespace sqlcache::testing
