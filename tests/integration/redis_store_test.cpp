// RedisStore against real Redis servers: the shared one the test environment starts
// (SQLCACHE_TEST_REDIS_PORT) and private redis-server processes that the tests start, kill,
// pause and restart themselves.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_store.hpp"
#include "support/server_requirement.hpp"
#include "support/test_env.hpp"

namespace sqlcache::cache {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Private servers need only the redis-server binary; the shared one needs the test environment.
#define REQUIRE_REDIS_SERVER_BINARY() \
  SQLCACHE_REQUIRE(::access("/usr/bin/redis-server", X_OK) == 0, "redis-server (/usr/bin)")

// Runs one coroutine on `io` until it completes. The store's connections keep reader coroutines
// waiting on their sockets, so io.run() would never return by itself.
template <typename T>
T run(asio::io_context& io, awaitable<T> operation) {
  auto future = asio::co_spawn(io, std::move(operation), asio::use_future);
  while (future.wait_for(0s) != std::future_status::ready) {
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return future.get();
}

// Lets the io_context run for a while (timers, reconnects) without any call in flight.
void run_for(asio::io_context& io, milliseconds duration) {
  if (io.stopped()) io.restart();
  io.run_for(duration);
}

// A port nothing listens on right now.
std::uint16_t free_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// A fresh value for every test run (also across --gtest_repeat), set by the fixture.
std::string g_run_nonce;

// Keys unique to this process and test run, so runs sharing one Redis never see each other's
// data (generation keys have no TTL: they outlive the test).
std::string unique_key(std::string_view suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "sqlcache-test:" + std::to_string(::getpid()) + ":" + g_run_nonce + ":" + info->name() +
         ":" + std::string(suffix);
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::mt19937_64 random(std::random_device{}());
    g_run_nonce = std::to_string(random());
  }
};

std::vector<std::string> unique_keys(std::initializer_list<std::string_view> suffixes) {
  std::vector<std::string> keys;
  for (auto suffix : suffixes) keys.push_back(unique_key(suffix));
  return keys;
}

RedisOptions shared_redis_options() {
  RedisOptions options;
  options.host = sqlcache::testing::test_env().redis_host;
  options.port = static_cast<std::uint16_t>(sqlcache::testing::test_env().redis_port);
  return options;
}

// A redis-server of the test's own, on a port of its own, with no persistence. It can be
// killed, paused (SIGSTOP: it accepts bytes but never answers) and restarted on the same port.
class PrivateRedis {
 public:
  explicit PrivateRedis(std::vector<std::string> extra_args = {}, bool tls_only = false)
      : port_(free_port()), extra_args_(std::move(extra_args)), tls_only_(tls_only) {
    char pattern[] = "/tmp/sqlcache-redis-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    if (tls_only_) make_certificates();
    start();
  }
  ~PrivateRedis() {
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::uint16_t port() const { return port_; }
  // The test CA that signed the server's certificate (for localhost and 127.0.0.1).
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  RedisOptions options() const {
    RedisOptions options;
    options.port = port_;
    return options;
  }

  void start() {
    std::vector<std::string> args = {"/usr/bin/redis-server",
                                     "--port",
                                     tls_only_ ? "0" : std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_,
                                     "--logfile",
                                     dir_ + "/redis.log"};
    if (tls_only_) {
      args.insert(args.end(), {"--tls-port", std::to_string(port_), "--tls-cert-file",
                               dir_ + "/server.crt", "--tls-key-file", dir_ + "/server.key",
                               "--tls-ca-cert-file", ca_file(), "--tls-auth-clients", "no"});
    }
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test run
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    wait_until_accepting();
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

 private:
  // A throwaway CA and a server certificate it signed, made with the openssl command line.
  void make_certificates() {
    const std::string script =
        "cd '" + dir_ +
        "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.crt -days 2 -subj /CN=sqlcache-test-ca && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout server.key -out server.csr -subj /CN=localhost && "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.cnf && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
        "-out server.crt -days 2 -extfile san.cnf";
    const std::string command = "( " + script + " ) >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "could not make test certificates";
  }

  void wait_until_accepting() {
    asio::io_context io;
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
      if (!ec) return;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "private redis-server did not start on port " << port_;
  }

  std::uint16_t port_;
  std::vector<std::string> extra_args_;
  bool tls_only_ = false;
  std::string dir_;
  pid_t pid_ = -1;
};

// A TCP relay between the store and Redis that counts the chunks the store writes (one chunk
// per call: the commands of a call went out in one write) and can hold every chunk of replies
// back for `reply_delay`, which makes each round trip long enough to count by the clock.
class CountingRelay {
 public:
  CountingRelay(asio::io_context& io, std::uint16_t redis_port, milliseconds reply_delay = 0ms)
      : io_(io),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        redis_port_(redis_port),
        reply_delay_(reply_delay) {
    asio::co_spawn(io, accept(), asio::detached);
  }
  ~CountingRelay() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t client_chunks() const { return *client_chunks_; }
  const std::string& last_chunk() const { return *last_chunk_; }

 private:
  awaitable<void> accept() {
    boost::system::error_code ec;
    for (;;) {
      auto client = std::make_shared<tcp::socket>(
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec)));
      if (ec) co_return;
      auto server = std::make_shared<tcp::socket>(io_);
      co_await server->async_connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), redis_port_),
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io_, pump(client, server, 0ms, client_chunks_, last_chunk_), asio::detached);
      asio::co_spawn(io_, pump(server, client, reply_delay_, nullptr, nullptr), asio::detached);
    }
  }
  static awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to,
                              milliseconds delay, std::shared_ptr<std::size_t> chunks,
                              std::shared_ptr<std::string> last) {
    std::vector<char> buffer(1 << 20);
    asio::steady_timer timer(from->get_executor());
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = co_await from->async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (chunks) {
        ++*chunks;
        last->assign(buffer.data(), n);
      }
      if (delay > 0ms) {
        timer.expires_after(delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      co_await asio::async_write(*to, asio::buffer(buffer.data(), n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    boost::system::error_code ignored;
    from->close(ignored);
    to->close(ignored);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::uint16_t redis_port_;
  milliseconds reply_delay_;
  std::shared_ptr<std::size_t> client_chunks_ = std::make_shared<std::size_t>(0);
  std::shared_ptr<std::string> last_chunk_ = std::make_shared<std::string>();
};

// The shared Redis options, with the store going through `relay`.
RedisOptions options_through(const CountingRelay& relay) {
  RedisOptions options = shared_redis_options();
  options.port = relay.port();
  return options;
}

// Records the store's up/down events instead of writing them to stderr.
struct EventLog {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  RedisEventSink sink() const {
    return [lines = lines](std::string_view event, std::string_view reason) {
      lines->push_back(std::string(event) + " " + std::string(reason));
    };
  }
  std::size_t count(std::string_view event) const {
    std::size_t n = 0;
    for (const auto& line : *lines) n += line.rfind(std::string(event) + " ", 0) == 0;
    return n;
  }
};

std::string every_byte_value() {
  std::string value;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) value.push_back(static_cast<char>(b));
  }
  return value;
}

// --- against the shared Redis -------------------------------------------------------------------

TEST_F(RedisStoreTest, PutThenLookupReturnsEveryByteValue) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const std::string key = unique_key("entry");
  const std::string value = every_byte_value();
  ASSERT_TRUE(run(io, store.put(key, value, 60s)));
  StoreLookup result = run(io, store.lookup(key, {}));
  ASSERT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), value);
}

TEST_F(RedisStoreTest, OneMebibyteBinaryValueRoundTrips) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  std::string value(1 << 20, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>((i * 131) ^ (i >> 8));
  const std::string key = unique_key("big");
  ASSERT_TRUE(run(io, store.put(key, value, 60s)));
  StoreLookup result = run(io, store.lookup(key, {}));
  ASSERT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes().size(), value.size());
  EXPECT_TRUE(result.bytes() == value);
}

TEST_F(RedisStoreTest, UnknownKeyIsAMissWithZeroGenerations) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  StoreLookup result = run(io, store.lookup(unique_key("absent"), unique_keys({"g1", "g2"})));
  EXPECT_EQ(result.status, LookupStatus::Miss);
  EXPECT_EQ(result.generations, (std::vector<std::uint64_t>{0, 0}));
}

TEST_F(RedisStoreTest, BumpIncrementsGenerationsThatLookupAndGenerationsRead) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const auto gens = unique_keys({"gen:shop.a", "gen:shop.b", "gen:shop.c"});
  ASSERT_TRUE(run(io, store.bump({gens[0], gens[1]})));
  ASSERT_TRUE(run(io, store.bump({gens[0]})));
  auto read = run(io, store.generations(gens));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, (std::vector<std::uint64_t>{2, 1, 0}));

  const std::string key = unique_key("entry");
  ASSERT_TRUE(run(io, store.put(key, "rows", 60s)));
  StoreLookup result = run(io, store.lookup(key, gens));
  ASSERT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), "rows");
  EXPECT_EQ(result.generations, (std::vector<std::uint64_t>{2, 1, 0}));
}

// The near cache's bookkeeping in the store, without a listener (tracking turned on by hand):
// what a lookup reads is answered without a round trip, and a bump through this store forgets
// the generations it increments before its INCRs are answered, whatever Redis later says.
TEST_F(RedisStoreTest, NearCacheAnswersWhatALookupReadAndForgetsWhatABumpChanges) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  auto near_cache = std::make_shared<NearCache>(NearCacheOptions{});
  near_cache->tracking_up(NearCache::Clock::now() + 1h);
  store.set_near_cache(near_cache);
  const std::string key = unique_key("near");
  const std::vector<std::string> generations = unique_keys({"g1", "g2"});
  EXPECT_FALSE(store.lookup_immediate(key, generations));
  ASSERT_TRUE(run(io, store.put(key, "rows", 60s)));
  StoreLookup read = run(io, store.lookup(key, generations));
  ASSERT_EQ(read.status, LookupStatus::Hit);
  std::optional<StoreLookup> answer = store.lookup_immediate(key, generations);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->bytes(), "rows");
  EXPECT_EQ(answer->generations, read.generations);

  ASSERT_TRUE(run(io, store.bump({generations[1]})));
  EXPECT_FALSE(store.lookup_immediate(key, generations))
      << "the bumped generation must be read from Redis again";
  read = run(io, store.lookup(key, generations));
  answer = store.lookup_immediate(key, generations);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->generations, read.generations);
  EXPECT_EQ(answer->generations[1], 1u);
}

// Gives `store` a near cache that keeps copies for up to an hour, tracking up (no listener: these
// tests change generations only through the store itself).
void attach_near_cache(RedisStore& store) {
  NearCacheOptions options;
  options.ttl = 1h;
  auto near_cache = std::make_shared<NearCache>(options);
  near_cache->tracking_up(NearCache::Clock::now() + 1h);
  store.set_near_cache(std::move(near_cache));
}

// A copy read from Redis lives no longer than the entry in Redis (its remaining TTL is read
// with it), however long near_cache_ttl allows: the near cache never serves what Redis has
// expired. The entry is stored by another store, so this one learns its TTL only from Redis.
TEST_F(RedisStoreTest, NearCacheCopyExpiresWithTheRedisEntry) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  // A loaded sanitizer build can take longer than the default 200 ms for a first command.
  RedisOptions patient = shared_redis_options();
  patient.command_timeout = 2s;
  RedisStore writer(io.get_executor(), patient);
  RedisStore reader(io.get_executor(), patient);
  attach_near_cache(reader);
  const std::string key = unique_key("short");
  const std::vector<std::string> generations = unique_keys({"g"});

  ASSERT_TRUE(run(io, writer.put(key, "rows", 1500ms)));
  const auto stored = Clock::now();  // the entry expires before stored + 1500 ms
  ASSERT_EQ(run(io, reader.lookup(key, generations)).status, LookupStatus::Hit);
  ASSERT_TRUE(reader.lookup_immediate(key, generations))
      << "a hit read from Redis with time left must be kept";
  std::this_thread::sleep_until(stored + 1600ms);
  EXPECT_FALSE(reader.lookup_immediate(key, generations))
      << "the copy outlived the entry Redis expired";
  EXPECT_EQ(run(io, reader.lookup(key, generations)).status, LookupStatus::Miss);

  // An entry without an expiry (written around the proxy) is kept for near_cache_ttl only.
  const std::string forever = unique_key("forever");
  auto probe = std::make_shared<RedisConnection>(io.get_executor(), shared_redis_options(), nullptr,
                                                 std::make_shared<StoreStats>());
  ASSERT_TRUE(run(io, probe->execute({format_command({"SET", forever, "rows"}), 1})).ok());
  ASSERT_EQ(run(io, reader.lookup(forever, generations)).status, LookupStatus::Hit);
  EXPECT_TRUE(reader.lookup_immediate(forever, generations));
  EXPECT_TRUE(run(io, probe->execute({format_command({"DEL", forever}), 1})).ok());
  probe->close();
}

// A copy of what this store put expires when Redis expires the entry: Redis counts the TTL from
// when it ran the SET, so the copy is counted from before the SET was sent, not from its
// answer (held back 300 ms here).
TEST_F(RedisStoreTest, NearCacheCopyOfAPutIsCountedFromBeforeTheSet) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  CountingRelay relay(io, shared_redis_options().port, 300ms);
  RedisOptions options = options_through(relay);
  options.command_timeout = 3s;
  RedisStore store(io.get_executor(), options);
  attach_near_cache(store);
  const std::string key = unique_key("put");

  const auto started = Clock::now();
  ASSERT_TRUE(run(io, store.put(key, "rows", 1000ms)));
  ASSERT_GE(Clock::now() - started, 300ms);
  ASSERT_TRUE(store.lookup_immediate(key, {})) << "a copy of what was put must be kept";
  std::this_thread::sleep_until(started + 1050ms);
  EXPECT_FALSE(store.lookup_immediate(key, {}))
      << "the copy outlived the entry: counted from the SET's answer, not from before it";
}

TEST_F(RedisStoreTest, GenerationKeysGetNoTtl) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const auto gens = unique_keys({"gen:shop.t"});
  ASSERT_TRUE(run(io, store.bump(gens)));
  // Read the TTL through the same kind of connection: PTTL answers -1 for "no expiry".
  auto probe = std::make_shared<RedisConnection>(io.get_executor(), shared_redis_options(), nullptr,
                                                 std::make_shared<StoreStats>());
  RedisResult result = run(io, probe->execute({format_command({"PTTL", gens[0]}), 1}));
  probe->close();
  ASSERT_TRUE(result.ok()) << result.reason;
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].integer, -1);
}

TEST_F(RedisStoreTest, LookupSendsEntryAndGenerationReadsInOneWrite) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  CountingRelay relay(io, shared_redis_options().port, 150ms);
  RedisOptions options = options_through(relay);
  options.pool_size = 1;
  options.command_timeout = 2s;
  RedisStore store(io.get_executor(), options);
  const std::string key = unique_key("entry");
  const auto gens = unique_keys({"gen:a", "gen:b"});
  ASSERT_TRUE(run(io, store.put(key, "value", 60s)));
  ASSERT_TRUE(run(io, store.bump(gens)));
  const std::size_t chunks_before = relay.client_chunks();
  const auto round_trips_before = store.stats().round_trips.load();

  const auto started = Clock::now();
  StoreLookup result = run(io, store.lookup(key, gens));
  const auto elapsed = Clock::now() - started;

  // Every reply is held back 150 ms: two round trips would take at least 300 ms.
  EXPECT_LT(elapsed, 290ms);
  ASSERT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), "value");
  EXPECT_EQ(result.generations, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(relay.client_chunks() - chunks_before, 1u);
  EXPECT_NE(relay.last_chunk().find("GET"), std::string::npos);
  EXPECT_NE(relay.last_chunk().find("MGET"), std::string::npos);
  EXPECT_EQ(store.stats().round_trips.load() - round_trips_before, 1u);
}

TEST_F(RedisStoreTest, EntryExpiresAfterItsTtl) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const std::string key = unique_key("short");
  ASSERT_TRUE(run(io, store.put(key, "v", 200ms)));
  EXPECT_EQ(run(io, store.lookup(key, {})).status, LookupStatus::Hit);
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(run(io, store.lookup(key, {})).status, LookupStatus::Miss);
}

awaitable<void> lookup_and_check(RedisStore& store, std::string key, std::string expected,
                                 std::vector<std::string> gens, int& correct) {
  StoreLookup result = co_await store.lookup(key, gens);
  if (result.status == LookupStatus::Hit && result.bytes() == expected &&
      result.generations == std::vector<std::uint64_t>{1}) {
    ++correct;
  }
}

TEST_F(RedisStoreTest, HundredConcurrentLookupsOnOneConnectionAllGetTheirOwnReplies) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  // Replies are held back 50 ms per chunk: a connection that waited for each reply before
  // sending the next call would need 100 x 50 ms.
  CountingRelay relay(io, shared_redis_options().port, 50ms);
  RedisOptions options = options_through(relay);
  options.pool_size = 1;
  options.command_timeout = 5s;  // a loaded CI machine must not turn this into a timeout test
  RedisStore store(io.get_executor(), options);
  RedisStore setup(io.get_executor(), shared_redis_options());  // direct, not delayed
  const auto gens = unique_keys({"gen:pipelined"});
  ASSERT_TRUE(run(io, setup.bump(gens)));
  for (int i = 0; i < 100; ++i) {
    const std::string value = "value-" + std::to_string(i) + std::string(i, '\0');
    ASSERT_TRUE(run(io, setup.put(unique_key(std::to_string(i)), value, 60s)));
  }
  int correct = 0;
  const auto started = Clock::now();
  for (int i = 0; i < 100; ++i) {
    asio::co_spawn(
        io,
        lookup_and_check(store, unique_key(std::to_string(i)),
                         "value-" + std::to_string(i) + std::string(i, '\0'), gens, correct),
        asio::detached);
  }
  const auto deadline = Clock::now() + 10s;
  while (correct < 100 && Clock::now() < deadline) run_for(io, 5ms);
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(correct, 100);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_EQ(store.stats().errors.load(), 0u);
}

TEST_F(RedisStoreTest, SelectsTheConfiguredDatabase) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisOptions db3 = shared_redis_options();
  db3.db = 3;
  RedisStore in_db3(io.get_executor(), db3);
  RedisStore in_db0(io.get_executor(), shared_redis_options());
  const std::string key = unique_key("db");
  ASSERT_TRUE(run(io, in_db3.put(key, "v", 60s)));
  EXPECT_EQ(run(io, in_db3.lookup(key, {})).status, LookupStatus::Hit);
  EXPECT_EQ(run(io, in_db0.lookup(key, {})).status, LookupStatus::Miss);
}

TEST_F(RedisStoreTest, ZeroTtlStoresNothing) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const std::string key = unique_key("zero");
  EXPECT_TRUE(run(io, store.put(key, "v", 0ms)));
  EXPECT_EQ(run(io, store.lookup(key, {})).status, LookupStatus::Miss);
}

TEST_F(RedisStoreTest, WrongTypeAtAKeyIsAnErrorNotACrash) {
  SQLCACHE_REQUIRE_REDIS();
  asio::io_context io;
  RedisStore store(io.get_executor(), shared_redis_options());
  const auto gens = unique_keys({"gen:text"});
  // A generation key holding text (someone else's data): not a counter.
  ASSERT_TRUE(run(io, store.put(gens[0], "not-a-number", 60s)));
  EXPECT_FALSE(run(io, store.bump(gens)));
  EXPECT_FALSE(run(io, store.generations(gens)).has_value());
  EXPECT_EQ(run(io, store.lookup(unique_key("x"), gens)).status, LookupStatus::Error);
  EXPECT_EQ(store.stats().errors.load(), 3u);
}

// --- failures, with servers the tests control -----------------------------------------------

TEST_F(RedisStoreTest, ClosedPortFailsFastAndOpensTheBreaker) {
  asio::io_context io;
  RedisOptions options;
  options.port = free_port();
  EventLog events;
  RedisStore store(io.get_executor(), options, events.sink());
  const auto started = Clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  }
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_FALSE(store.available());
  EXPECT_EQ(store.breaker_state(), CircuitBreaker::State::Open);
  EXPECT_EQ(events.count("down"), 1u);
  EXPECT_NE(events.lines->front().find("refused"), std::string::npos) << events.lines->front();

  // While open, calls fail without touching the network.
  const auto reconnects = store.stats().reconnects.load();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  EXPECT_FALSE(run(io, store.put("k", "v", 1s)));
  EXPECT_FALSE(run(io, store.bump({"g"})));
  EXPECT_FALSE(run(io, store.generations({"g"})).has_value());
  EXPECT_EQ(store.stats().rejected.load(), 4u);
  EXPECT_EQ(store.stats().reconnects.load(), reconnects);
  EXPECT_EQ(store.stats().errors.load(), 5u);
  EXPECT_EQ(events.count("down"), 1u);
}

TEST_F(RedisStoreTest, KilledServerGivesErrorsThenRecoversAfterRestart) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis;
  asio::io_context io;
  RedisOptions options = redis.options();
  options.breaker.initial_cooldown = 200ms;
  EventLog events;
  RedisStore store(io.get_executor(), options, events.sink());
  ASSERT_TRUE(run(io, store.put("k", "before", 60s)));
  ASSERT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Hit);

  redis.kill();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  }
  EXPECT_FALSE(store.available());
  EXPECT_EQ(events.count("down"), 1u);

  redis.start();  // same port, empty: the entry is gone, the store works again
  const auto deadline = Clock::now() + 10s;
  LookupStatus status = LookupStatus::Error;
  while (status == LookupStatus::Error && Clock::now() < deadline) {
    status = run(io, store.lookup("k", {})).status;
    if (status == LookupStatus::Error) run_for(io, 50ms);
  }
  EXPECT_EQ(status, LookupStatus::Miss);
  EXPECT_TRUE(store.available());
  EXPECT_EQ(events.count("up"), 1u);
  EXPECT_GT(store.stats().reconnects.load(), 0u);
  ASSERT_TRUE(run(io, store.put("k", "after", 60s)));
  EXPECT_EQ(run(io, store.lookup("k", {})).bytes(), "after");
}

TEST_F(RedisStoreTest, UnansweredCallTimesOutAndTheConnectionRecovers) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis;
  asio::io_context io;
  RedisOptions options = redis.options();
  options.command_timeout = 150ms;
  RedisStore store(io.get_executor(), options);
  ASSERT_TRUE(run(io, store.put("k", "v", 60s)));

  redis.pause();  // accepts bytes, never answers
  const auto started = Clock::now();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 600ms);
  EXPECT_EQ(store.stats().timeouts.load(), 1u);

  redis.resume();
  StoreLookup result = run(io, store.lookup("k", {}));
  EXPECT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), "v");
}

// One timer per connection watches the oldest call's deadline. A call made while it still
// sleeps towards an earlier call's deadline (already answered) gets its own full timeout.
TEST_F(RedisStoreTest, EachCallGetsItsWholeTimeoutAfterEarlierCallsWereAnswered) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis;
  asio::io_context io;
  RedisOptions options = redis.options();
  options.pool_size = 1;
  options.command_timeout = 400ms;
  RedisStore store(io.get_executor(), options);
  ASSERT_TRUE(run(io, store.put("k", "v", 60s)));
  ASSERT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Hit);
  run_for(io, 250ms);  // the watcher, if still armed, wakes in about 150 ms

  redis.pause();
  const auto started = Clock::now();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, 380ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_EQ(store.stats().timeouts.load(), 1u);
  redis.resume();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Hit);
}

TEST_F(RedisStoreTest, TimeoutFailsEveryCallPendingOnThatConnection) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis;
  asio::io_context io;
  RedisOptions options = redis.options();
  options.pool_size = 1;
  options.command_timeout = 150ms;
  RedisStore store(io.get_executor(), options);
  ASSERT_TRUE(run(io, store.put("k", "v", 60s)));
  redis.pause();
  auto first = asio::co_spawn(io, store.lookup("k", {}), asio::use_future);
  auto second = asio::co_spawn(io, store.lookup("k", {}), asio::use_future);
  const auto deadline = Clock::now() + 2s;
  while ((first.wait_for(0s) != std::future_status::ready ||
          second.wait_for(0s) != std::future_status::ready) &&
         Clock::now() < deadline) {
    run_for(io, 10ms);
  }
  ASSERT_EQ(first.wait_for(0s), std::future_status::ready);
  ASSERT_EQ(second.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(first.get().status, LookupStatus::Error);
  EXPECT_EQ(second.get().status, LookupStatus::Error);
  redis.resume();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Hit);
}

TEST_F(RedisStoreTest, PasswordProtectedServerAcceptsTheRightPassword) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({"--requirepass", "s3cret-pw"});
  asio::io_context io;
  RedisOptions options = redis.options();
  options.password = "s3cret-pw";
  RedisStore store(io.get_executor(), options);
  ASSERT_TRUE(run(io, store.put("k", "v", 60s)));
  EXPECT_EQ(run(io, store.lookup("k", {})).bytes(), "v");
}

TEST_F(RedisStoreTest, WithoutAPasswordAProtectedServerGivesErrors) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({"--requirepass", "s3cret-pw"});
  asio::io_context io;
  EventLog events;
  RedisStore store(io.get_executor(), redis.options(), events.sink());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  }
  ASSERT_EQ(events.count("down"), 1u);
  EXPECT_NE(events.lines->front().find("NOAUTH"), std::string::npos) << events.lines->front();
}

TEST_F(RedisStoreTest, AclUserAuthenticatesWithUsernameAndPassword) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis(
      {"--user", "default", "off", "--user", "sqlcache", "on", ">acl-pw", "~*", "+@all"});
  asio::io_context io;
  RedisOptions options = redis.options();
  options.username = "sqlcache";
  options.password = "acl-pw";
  RedisStore store(io.get_executor(), options);
  ASSERT_TRUE(run(io, store.put("k", "v", 60s)));
  EXPECT_EQ(run(io, store.lookup("k", {})).bytes(), "v");
}

TEST_F(RedisStoreTest, WrongPasswordGivesErrorAndOneLogLineWithoutThePassword) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({"--requirepass", "s3cret-pw"});
  asio::io_context io;
  RedisOptions options = redis.options();
  options.password = "not-the-password";
  RedisStore store(io.get_executor(), options);  // default sink: stderr
  ::testing::internal::CaptureStderr();
  std::vector<LookupStatus> statuses;
  for (int i = 0; i < 7; ++i) statuses.push_back(run(io, store.lookup("k", {})).status);
  const std::string log = ::testing::internal::GetCapturedStderr();
  for (auto status : statuses) EXPECT_EQ(status, LookupStatus::Error);
  EXPECT_NE(log.find("level=warn component=redis event=down"), std::string::npos) << log;
  EXPECT_NE(log.find("auth failed: WRONGPASS"), std::string::npos) << log;
  EXPECT_EQ(log.find("not-the-password"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

// A server that answers with bytes that are not RESP: the call fails, nothing crashes, and the
// next call opens a fresh connection.
awaitable<void> serve_garbage(tcp::acceptor& acceptor, int& accepted) {
  boost::system::error_code ec;
  for (;;) {
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ++accepted;
    std::vector<char> buffer(4096);
    co_await socket.async_read_some(asio::buffer(buffer),
                                    asio::redirect_error(asio::use_awaitable, ec));
    static const std::string garbage = "HTTP/1.1 400 Bad Request\r\n\r\n\x01\xff";
    co_await asio::async_write(socket, asio::buffer(garbage),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

TEST_F(RedisStoreTest, GarbageFromTheServerIsAnErrorAndTheConnectionIsReplaced) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int accepted = 0;
  asio::co_spawn(io, serve_garbage(acceptor, accepted), asio::detached);
  RedisOptions options;
  options.port = acceptor.local_endpoint().port();
  options.pool_size = 1;
  EventLog events;
  RedisStore store(io.get_executor(), options, events.sink());
  EXPECT_EQ(run(io, store.lookup("k", {"g"})).status, LookupStatus::Error);
  EXPECT_EQ(run(io, store.lookup("k", {"g"})).status, LookupStatus::Error);
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(store.stats().errors.load(), 2u);
  acceptor.close();
}

// --- TLS (ElastiCache in-transit encryption), against a private TLS-only redis-server ----------

TEST_F(RedisStoreTest, TlsConnectionVerifiesTheServerCertificateAndWorks) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({"--requirepass", "tls-pw"}, /*tls_only=*/true);
  asio::io_context io;
  RedisOptions options = redis.options();
  options.tls = true;
  options.ca_file = redis.ca_file();
  options.server_name = "localhost";
  options.password = "tls-pw";
  RedisStore store(io.get_executor(), options);
  const std::string value = every_byte_value();
  ASSERT_TRUE(run(io, store.put("k", value, 60s)));
  StoreLookup result = run(io, store.lookup("k", {"g"}));
  ASSERT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), value);
  EXPECT_EQ(result.generations, (std::vector<std::uint64_t>{0}));
}

TEST_F(RedisStoreTest, TlsMatchesAnIpAddressHostAgainstTheCertificate) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({}, /*tls_only=*/true);
  asio::io_context io;
  RedisOptions options = redis.options();  // host 127.0.0.1, no server_name
  options.tls = true;
  options.ca_file = redis.ca_file();
  RedisStore store(io.get_executor(), options);
  EXPECT_TRUE(run(io, store.bump({"g"})));
}

TEST_F(RedisStoreTest, TlsRefusesACertificateForAnotherName) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({}, /*tls_only=*/true);
  asio::io_context io;
  RedisOptions options = redis.options();
  options.tls = true;
  options.ca_file = redis.ca_file();
  options.server_name = "cache.example.com";
  options.breaker.failure_threshold = 1;
  EventLog events;
  RedisStore store(io.get_executor(), options, events.sink());
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  ASSERT_EQ(events.count("down"), 1u);
  EXPECT_NE(events.lines->front().find("certificate verify failed"), std::string::npos)
      << events.lines->front();
}

TEST_F(RedisStoreTest, TlsRefusesAServerSignedByAnUnknownAuthority) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({}, /*tls_only=*/true);
  asio::io_context io;
  RedisOptions options = redis.options();
  options.tls = true;  // system trust store: the test CA is not in it
  options.server_name = "localhost";
  RedisStore store(io.get_executor(), options);
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
}

TEST_F(RedisStoreTest, PlainConnectionToATlsPortFailsWithinTheTimeout) {
  REQUIRE_REDIS_SERVER_BINARY();
  PrivateRedis redis({}, /*tls_only=*/true);
  asio::io_context io;
  RedisOptions options = redis.options();
  options.command_timeout = 300ms;
  RedisStore store(io.get_executor(), options);
  const auto started = Clock::now();
  EXPECT_EQ(run(io, store.lookup("k", {})).status, LookupStatus::Error);
  EXPECT_LT(Clock::now() - started, 1s);
}

TEST_F(RedisStoreTest, UnreadableCaFileIsAStartupError) {
  asio::io_context io;
  RedisOptions options;
  options.tls = true;
  options.ca_file = "/nonexistent/ca.crt";
  EXPECT_THROW(RedisStore(io.get_executor(), options), std::exception);
}

}  // namespace
}  // namespace sqlcache::cache
