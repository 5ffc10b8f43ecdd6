// What the worker threads of one proxy share, used by all of them at once: clients on every
// worker write and read through the cache (the in-process store is one for all workers; with
// Redis each worker has its own connections), while the control thread reloads the
// configuration (SIGHUP) and serves the admin endpoint (metrics, stats, invalidation). Every
// answer must stay right and the proxy must survive and exit cleanly. This is also the load
// under which the ThreadSanitizer stage of deploy/local/test.sh looks for data races between
// the threads (docs/testing.md, "Sanitizer builds").
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cache_fixture.hpp"
#include "support/eventually.hpp"
#include "support/mysql_client.hpp"
#include "support/proxy_process.hpp"

namespace sqlcache::testing {
namespace {

constexpr int kClients = 8;  // all on one of two workers: a chance of 2^-7
constexpr auto kTrafficTime = std::chrono::seconds(2);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One request to 127.0.0.1:port, `Connection: close`, read to the end (bounded by 10 s);
// std::nullopt when the connection or the status line failed.
std::optional<HttpResponse> http_request(int port, const std::string& method,
                                         const std::string& target) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = method + " " + target +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                "Content-Length: 0\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t n;
      while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, n);
    }
  }
  close(fd);
  HttpResponse parsed;
  if (std::sscanf(response.c_str(), "HTTP/1.%*d %d", &parsed.status) != 1) return std::nullopt;
  const auto body = response.find("\r\n\r\n");
  if (body != std::string::npos) parsed.body = response.substr(body + 4);
  return parsed;
}

// The sum of the samples of `metric` whose labels contain `label` in a Prometheus exposition.
long long metric_sum(const std::string& exposition, const std::string& metric,
                     const std::string& label) {
  long long sum = 0;
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(metric + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    sum += std::atoll(line.substr(line.rfind(' ') + 1).c_str());
  }
  return sum;
}

// Replaces the file's content in one step (a reload never reads half a file).
bool replace_file(const std::string& path, const std::string& content) {
  const std::string next = path + ".next";
  {
    std::ofstream out(next, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return false;
  }
  return std::rename(next.c_str(), path.c_str()) == 0;
}

class ProxyWorkersTest : public CacheTest {
 protected:
  bool needs_redis() const override { return false; }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    std::string rows = "(0, 0)";
    for (int i = 1; i < kClients; ++i) rows += ", (" + std::to_string(i) + ", 0)";
    ASSERT_NO_FATAL_FAILURE(
        create_table("workers_item", "id INT PRIMARY KEY, v INT NOT NULL", rows));
    ASSERT_NO_FATAL_FAILURE(
        create_table("workers_shared", "id INT PRIMARY KEY, name VARCHAR(20)", "(1, 'shared')"));
  }

  // The configuration: the test's store, an admin endpoint, and (every other reload) a rule
  // that stops caching workers_item, so that reloads change what the workers do.
  std::string config_yaml(CacheProxyConfig::Store store, int admin_port, bool cache_items) {
    CacheProxyConfig config;
    config.store = store;
    config.key_prefix = key_prefix();
    if (!cache_items) {
      config.rules.push_back({std::string(kCacheDatabase) + ".workers_item", "0"});
    }
    return cache_config_yaml(config) +
           "admin: { listen: \"127.0.0.1:" + std::to_string(admin_port) + "\" }\n";
  }

  void run_everything_at_once(CacheProxyConfig::Store store) {
    const int admin_port = free_loopback_port();
    ASSERT_NE(admin_port, 0);
    TemporaryFile config_file(config_yaml(store, admin_port, true));
    ASSERT_TRUE(config_file.ok());
    ProxyProcess proxy;
    ASSERT_TRUE(proxy.start(test_env().proxy_binary, {"--config", config_file.path(), "--threads",
                                                      std::to_string(kTestProxyThreads)}))
        << proxy.start_error() << "\n"
        << proxy.log();

    std::atomic<bool> stop{false};
    std::mutex errors_mutex;
    std::vector<std::string> errors;
    auto report = [&](std::string error) {
      std::lock_guard lock(errors_mutex);
      if (errors.size() < 20) errors.push_back(std::move(error));
    };
    std::vector<int> rounds(kClients, 0);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        MysqlClient client;
        client.set_option(MYSQL_SET_CHARSET_NAME, "utf8mb4");
        if (!client.connect("127.0.0.1", proxy.port(), test_env().mysql_user,
                            test_env().mysql_password, kCacheDatabase)) {
          report("client " + std::to_string(i) + ": " + client.describe_error());
          return;
        }
        const std::string id = std::to_string(i);
        while (!stop.load()) {
          const std::string value = std::to_string(rounds[i] + 1);
          if (!client.exec("UPDATE workers_item SET v = " + value + " WHERE id = " + id)) {
            report("client " + id + " UPDATE: " + client.describe_error());
            return;
          }
          // Its own write, read back right after the OK: never an older value.
          std::optional<std::string> own =
              client.scalar("SELECT v FROM workers_item WHERE id = " + id);
          if (own != value) {
            report("client " + id + " read " + own.value_or("(error or NULL)") + " after writing " +
                   value + ": " + client.describe_error());
            return;
          }
          // The same text from every client on every worker: hits.
          std::optional<std::string> shared =
              client.scalar("SELECT name FROM workers_shared WHERE id = 1");
          if (shared != "shared") {
            report("client " + id + " read " + shared.value_or("(error or NULL)") +
                   " from workers_shared: " + client.describe_error());
            return;
          }
          ++rounds[i];
        }
      });
    }

    // Meanwhile, on the control thread of the proxy: reloads and admin requests.
    int reloads = 0;
    int admin_failures = 0;
    const auto deadline = std::chrono::steady_clock::now() + kTrafficTime;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!replace_file(config_file.path(), config_yaml(store, admin_port, reloads % 2 == 1))) {
        report("cannot rewrite the configuration file");
        break;
      }
      if (!proxy.signal(SIGHUP)) {
        report("the proxy is gone");
        break;
      }
      ++reloads;
      const std::string invalidate = std::string("/cache/invalidate?table=") + kCacheDatabase +
                                     (reloads % 2 == 0 ? ".workers_shared" : ".workers_item");
      for (const auto& [method, target] : {std::pair<std::string, std::string>{"GET", "/metrics"},
                                           {"GET", "/stats"},
                                           {"POST", invalidate}}) {
        std::optional<HttpResponse> response = http_request(admin_port, method, target);
        if (!response || response->status != 200) ++admin_failures;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
    for (std::thread& client : clients) client.join();

    for (const std::string& error : errors) ADD_FAILURE() << error;
    EXPECT_EQ(admin_failures, 0) << "admin requests that did not get a 200";
    for (int i = 0; i < kClients; ++i) EXPECT_GT(rounds[i], 0) << "client " << i << " never ran";
    EXPECT_GE(reloads, 2);

    std::optional<HttpResponse> metrics = http_request(admin_port, "GET", "/metrics");
    ASSERT_TRUE(metrics && metrics->status == 200) << "the admin endpoint does not answer";
    EXPECT_GT(metric_sum(metrics->body, "sqlcache_queries_total", "outcome=\"hit\""), 0)
        << "no cache hits: the cache path was not exercised\n"
        << metrics->body;
    EXPECT_GT(metric_sum(metrics->body, "sqlcache_queries_total", "outcome=\"write\""), 0);
    EXPECT_NE(proxy.log().find("event=reloaded"), std::string::npos) << "no reload took effect:\n"
                                                                     << proxy.log();

    const std::optional<ProcessExit> ended = proxy.stop();
    ASSERT_TRUE(ended);
    EXPECT_TRUE(ended->clean()) << ended->describe();
    if (HasFailure()) {
      proxy.keep_log_file();
      std::cerr << "proxy log (" << proxy.log_path() << "):\n" << proxy.log() << std::endl;
    }
  }
};

// The kernel spreads connections over the workers' listeners by a hash (SO_REUSEPORT), which
// often gives one worker most of a small connection pool. The proxy moves a new connection to
// the worker with the fewest, so connections opened one after another end up evenly spread.
TEST_F(ProxyWorkersTest, ConnectionsAreSpreadEvenlyOverTheWorkers) {
  constexpr int kThreads = 2;
  constexpr int kConnections = 16;  // all on one worker: never; 8 and 8 by the hash alone: 20%
  const int admin_port = free_loopback_port();
  ASSERT_NE(admin_port, 0);
  TemporaryFile config_file(config_yaml(CacheProxyConfig::Store::kMemory, admin_port, true));
  ASSERT_TRUE(config_file.ok());
  ProxyProcess proxy;
  ASSERT_TRUE(proxy.start(test_env().proxy_binary,
                          {"--config", config_file.path(), "--threads", std::to_string(kThreads)}))
      << proxy.start_error() << "\n"
      << proxy.log();

  auto worker_connections = [&](int worker) {
    std::optional<HttpResponse> metrics = http_request(admin_port, "GET", "/metrics");
    if (!metrics || metrics->status != 200) return -1LL;
    return metric_sum(metrics->body, "sqlcache_worker_connections",
                      "worker=\"" + std::to_string(worker) + "\"");
  };
  std::vector<std::unique_ptr<MysqlClient>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<MysqlClient>());
    ASSERT_TRUE(clients.back()->connect("127.0.0.1", proxy.port(), test_env().mysql_user,
                                        test_env().mysql_password, kCacheDatabase))
        << clients.back()->describe_error();
    ASSERT_EQ(clients.back()->scalar("SELECT 1"), "1") << clients.back()->describe_error();
  }
  for (int worker = 0; worker < kThreads; ++worker) {
    EXPECT_EQ(worker_connections(worker), kConnections / kThreads) << "worker " << worker;
  }

  clients.clear();
  for (int worker = 0; worker < kThreads; ++worker) {
    EXPECT_TRUE(
        eventually([&] { return worker_connections(worker) == 0; }, std::chrono::seconds(5)))
        << "worker " << worker << " still counts " << worker_connections(worker);
  }
  const std::optional<ProcessExit> ended = proxy.stop();
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->clean()) << ended->describe();
}

// A client may send commands without waiting for the answers (pipelining). The worker answers
// them in batches and turns to its other connections between batches: a client that never
// stops sending must not keep the others on its worker waiting, not even the greeting of a new
// connection. One worker, so that both clients share it; hits of the in-process store, so that
// nothing in the greedy client's loop waits for Redis or the database.
TEST_F(ProxyWorkersTest, AClientThatNeverStopsSendingDoesNotStarveTheOthersOnItsWorker) {
  const int admin_port = free_loopback_port();
  ASSERT_NE(admin_port, 0);
  TemporaryFile config_file(config_yaml(CacheProxyConfig::Store::kMemory, admin_port, true));
  ASSERT_TRUE(config_file.ok());
  ProxyProcess proxy;
  ASSERT_TRUE(
      proxy.start(test_env().proxy_binary, {"--config", config_file.path(), "--threads", "1"}))
      << proxy.start_error() << "\n"
      << proxy.log();
  const std::string sql = "SELECT name FROM workers_shared WHERE id = 1";
  MysqlClient greedy;
  ASSERT_TRUE(greedy.connect("127.0.0.1", proxy.port(), test_env().mysql_user,
                             test_env().mysql_password, kCacheDatabase))
      << greedy.describe_error();
  ASSERT_EQ(greedy.scalar(sql), "shared") << greedy.describe_error();  // stored
  ASSERT_EQ(greedy.scalar(sql), "shared") << greedy.describe_error();  // a hit from now on

  // 64 KiB of the same COM_QUERY, each packet with sequence id 0, sent over and over.
  std::string packet(4, '\0');
  packet[0] = static_cast<char>(sql.size() + 1);
  packet += '\x03';
  packet += sql;
  std::string batch;
  while (batch.size() < 64 * 1024) batch += packet;
  const int fd = static_cast<int>(mysql_get_socket(greedy.handle()));
  std::atomic<bool> stop{false};
  std::atomic<long long> answered_bytes{0};
  std::thread writer([&] {
    while (!stop) {
      if (send(fd, batch.data(), batch.size(), MSG_NOSIGNAL) <= 0) break;
    }
  });
  std::thread reader([&] {
    std::vector<char> buffer(256 * 1024);
    while (!stop) {
      const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      answered_bytes += n;
    }
  });
  auto stop_greedy = [&] {
    stop = true;
    shutdown(fd, SHUT_RDWR);  // wakes the writer and the reader
    writer.join();
    reader.join();
  };
  if (!eventually([&] { return answered_bytes > 1024 * 1024; }, std::chrono::seconds(10))) {
    stop_greedy();
    FAIL() << "the pipelined queries were not answered: " << answered_bytes << " bytes";
  }

  const unsigned timeout_seconds = 5;
  MysqlClient other;
  ASSERT_TRUE(other.set_option(MYSQL_OPT_CONNECT_TIMEOUT, &timeout_seconds));
  ASSERT_TRUE(other.set_option(MYSQL_OPT_READ_TIMEOUT, &timeout_seconds));
  const auto started = std::chrono::steady_clock::now();
  const bool connected = other.connect("127.0.0.1", proxy.port(), test_env().mysql_user,
                                       test_env().mysql_password, kCacheDatabase);
  const std::optional<std::string> answer = connected ? other.scalar(sql) : std::nullopt;
  const auto waited = std::chrono::steady_clock::now() - started;
  const long long greedy_bytes_meanwhile = answered_bytes;
  stop_greedy();
  EXPECT_TRUE(connected) << other.describe_error();
  EXPECT_EQ(answer, "shared") << other.describe_error();
  EXPECT_LT(waited, std::chrono::seconds(timeout_seconds));
  EXPECT_GT(greedy_bytes_meanwhile, 1024 * 1024);

  const std::optional<ProcessExit> ended = proxy.stop();
  ASSERT_TRUE(ended);
  EXPECT_TRUE(ended->clean()) << ended->describe();
}

TEST_F(ProxyWorkersTest, TrafficReloadsAndAdminRequestsAtOnceWithTheMemoryStore) {
  run_everything_at_once(CacheProxyConfig::Store::kMemory);
}

TEST_F(ProxyWorkersTest, TrafficReloadsAndAdminRequestsAtOnceWithRedis) {
  SQLCACHE_REQUIRE_REDIS();
  run_everything_at_once(CacheProxyConfig::Store::kRedis);
}

}  // namespace
}  // namespace sqlcache::testing
