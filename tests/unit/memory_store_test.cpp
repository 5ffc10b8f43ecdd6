#include "cache/memory_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sqlcache::cache {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Runs one of the store's coroutines to completion on a private io_context, as the proxy's
// threads would.
template <typename T>
T run(awaitable<T> operation) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(operation), asio::use_future);
  io.run();
  return future.get();
}

struct ManualClock {
  std::shared_ptr<Clock::time_point> now = std::make_shared<Clock::time_point>(Clock::now());
  std::function<Clock::time_point()> function() const {
    return [now = now] { return *now; };
  }
  void advance(milliseconds by) const { *now += by; }
};

std::size_t cost_of(std::size_t key_bytes, std::size_t value_bytes) {
  return key_bytes + value_bytes + MemoryStore::kEntryOverhead;
}

TEST(MemoryStore, MissOnAnUnknownKey) {
  MemoryStore store;
  StoreLookup result = run(store.lookup("absent", {}));
  EXPECT_EQ(result.status, LookupStatus::Miss);
  EXPECT_TRUE(result.bytes().empty());
}

TEST(MemoryStore, HitReturnsTheStoredBytes) {
  MemoryStore store;
  std::string value("row\0bytes\xff", 10);
  ASSERT_TRUE(run(store.put("k", value, milliseconds(60000))));
  StoreLookup result = run(store.lookup("k", {}));
  EXPECT_EQ(result.status, LookupStatus::Hit);
  EXPECT_EQ(result.bytes(), value);
}

// A hit of a large result must not copy it: every lookup hands out the one stored value.
TEST(MemoryStore, HitsShareTheStoredValue) {
  MemoryStore store;
  ASSERT_TRUE(run(store.put("k", std::string(1 << 20, 'r'), milliseconds(60000))));
  StoreLookup first = run(store.lookup("k", {}));
  StoreLookup second = run(store.lookup("k", {}));
  ASSERT_EQ(first.status, LookupStatus::Hit);
  EXPECT_EQ(first.value.get(), second.value.get());
  // A value handed out stays whole after the entry is replaced.
  run(store.put("k", "new", milliseconds(60000)));
  EXPECT_EQ(first.bytes(), std::string(1 << 20, 'r'));
  EXPECT_EQ(run(store.lookup("k", {})).bytes(), "new");
}

TEST(MemoryStore, PutReplacesAnExistingEntry) {
  MemoryStore store;
  run(store.put("k", "first", milliseconds(60000)));
  run(store.put("k", "second", milliseconds(60000)));
  EXPECT_EQ(run(store.lookup("k", {})).bytes(), "second");
  EXPECT_EQ(store.entry_count(), 1u);
  EXPECT_EQ(store.bytes_used(), cost_of(1, 6));
}

TEST(MemoryStore, ExpiredEntryIsAMissAndIsDropped) {
  ManualClock clock;
  MemoryStore store({.max_bytes = 1 << 20, .shards = 4, .clock = clock.function()});
  run(store.put("k", "v", milliseconds(200)));
  clock.advance(milliseconds(199));
  EXPECT_EQ(run(store.lookup("k", {})).status, LookupStatus::Hit);
  clock.advance(milliseconds(1));
  EXPECT_EQ(run(store.lookup("k", {})).status, LookupStatus::Miss);
  EXPECT_EQ(store.entry_count(), 0u);
  EXPECT_EQ(store.bytes_used(), 0u);
  EXPECT_EQ(store.expirations(), 1u);
}

TEST(MemoryStore, ShortTtlExpiresOnTheRealClock) {
  MemoryStore store;
  run(store.put("k", "v", milliseconds(30)));
  EXPECT_EQ(run(store.lookup("k", {})).status, LookupStatus::Hit);
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_EQ(run(store.lookup("k", {})).status, LookupStatus::Miss);
}

TEST(MemoryStore, EvictsTheLeastRecentlyUsedEntryWhenFull) {
  const std::string value(100, 'x');
  // Room for exactly three entries with one-byte keys.
  MemoryStore store({.max_bytes = 3 * cost_of(1, 100), .shards = 1});
  run(store.put("a", value, milliseconds(60000)));
  run(store.put("b", value, milliseconds(60000)));
  run(store.put("c", value, milliseconds(60000)));
  EXPECT_EQ(store.evictions(), 0u);
  run(store.lookup("a", {}));  // "b" is now the least recently used
  run(store.put("d", value, milliseconds(60000)));
  EXPECT_EQ(store.evictions(), 1u);
  EXPECT_EQ(run(store.lookup("b", {})).status, LookupStatus::Miss);
  EXPECT_EQ(run(store.lookup("a", {})).status, LookupStatus::Hit);
  EXPECT_EQ(run(store.lookup("c", {})).status, LookupStatus::Hit);
  EXPECT_EQ(run(store.lookup("d", {})).status, LookupStatus::Hit);
}

TEST(MemoryStore, EvictsAsManyEntriesAsALargeValueNeeds) {
  MemoryStore store({.max_bytes = 4 * cost_of(1, 100), .shards = 1});
  for (const char* key : {"a", "b", "c", "d"}) {
    run(store.put(key, std::string(100, 'x'), milliseconds(60000)));
  }
  // Needs more than two entries' worth of room, so the three oldest go.
  run(store.put("e", std::string(300, 'y'), milliseconds(60000)));
  EXPECT_EQ(store.evictions(), 3u);
  EXPECT_EQ(run(store.lookup("c", {})).status, LookupStatus::Miss);
  EXPECT_EQ(run(store.lookup("d", {})).status, LookupStatus::Hit);
  EXPECT_EQ(run(store.lookup("e", {})).status, LookupStatus::Hit);
  EXPECT_LE(store.bytes_used(), 4 * cost_of(1, 100));
}

TEST(MemoryStore, BytesUsedStaysWithinTheBudgetAcrossShards) {
  const std::size_t budget = 64 * 1024;
  MemoryStore store({.max_bytes = budget, .shards = 16});
  for (int i = 0; i < 2000; ++i) {
    run(store.put("key:" + std::to_string(i), std::string(i % 300, 'v'), milliseconds(60000)));
    ASSERT_LE(store.bytes_used(), budget);
  }
  EXPECT_GT(store.evictions(), 0u);
  EXPECT_GT(store.entry_count(), 0u);
}

TEST(MemoryStore, ValueLargerThanAShardIsNotStored) {
  MemoryStore store({.max_bytes = 16 * 1024, .shards = 16});
  run(store.put("small", "v", milliseconds(60000)));
  EXPECT_FALSE(store.put_now("big", std::string(2048, 'x'), milliseconds(60000)));
  EXPECT_EQ(run(store.lookup("big", {})).status, LookupStatus::Miss);
  EXPECT_EQ(run(store.lookup("small", {})).status, LookupStatus::Hit);
}

TEST(MemoryStore, ZeroTtlStoresNothing) {
  MemoryStore store;
  EXPECT_TRUE(run(store.put("k", "v", milliseconds(0))));
  EXPECT_EQ(run(store.lookup("k", {})).status, LookupStatus::Miss);
  EXPECT_EQ(store.bytes_used(), 0u);
}

TEST(MemoryStore, UnknownGenerationsReadAsZero) {
  MemoryStore store;
  auto generations = run(store.generations({"gen:shop.a", "gen:shop.b"}));
  ASSERT_TRUE(generations.has_value());
  EXPECT_EQ(*generations, (std::vector<std::uint64_t>{0, 0}));
}

TEST(MemoryStore, BumpIncrementsEachGenerationKey) {
  MemoryStore store;
  ASSERT_TRUE(run(store.bump({"gen:shop.a"})));
  ASSERT_TRUE(run(store.bump({"gen:shop.a", "gen:shop.b"})));
  auto generations = run(store.generations({"gen:shop.a", "gen:shop.b", "gen:shop.c"}));
  ASSERT_TRUE(generations.has_value());
  EXPECT_EQ(*generations, (std::vector<std::uint64_t>{2, 1, 0}));
}

TEST(MemoryStore, LookupReturnsGenerationsOnHitAndMiss) {
  MemoryStore store;
  run(store.bump({"gen:shop.a"}));
  run(store.put("k", "v", milliseconds(60000)));
  StoreLookup hit = run(store.lookup("k", {"gen:shop.a", "gen:shop.b"}));
  EXPECT_EQ(hit.status, LookupStatus::Hit);
  EXPECT_EQ(hit.generations, (std::vector<std::uint64_t>{1, 0}));
  StoreLookup miss = run(store.lookup("other", {"gen:shop.a"}));
  EXPECT_EQ(miss.status, LookupStatus::Miss);
  EXPECT_EQ(miss.generations, (std::vector<std::uint64_t>{1}));
}

// The hit path asks without a coroutine; it must answer exactly what lookup() answers.
TEST(MemoryStore, AnImmediateLookupAnswersLikeLookup) {
  MemoryStore store;
  run(store.bump({"gen:shop.a"}));
  run(store.put("k", "v", milliseconds(60000)));
  CacheStore& as_store = store;
  const std::vector<std::string> generation_keys{"gen:shop.a", "gen:shop.b"};
  for (std::string key : {"k", "other"}) {
    std::optional<StoreLookup> immediate = as_store.lookup_immediate(key, generation_keys);
    ASSERT_TRUE(immediate.has_value());
    StoreLookup awaited = run(store.lookup(key, generation_keys));
    EXPECT_EQ(immediate->status, awaited.status);
    EXPECT_EQ(immediate->bytes(), awaited.bytes());
    EXPECT_EQ(immediate->generations, awaited.generations);
  }
}

TEST(MemoryStore, GenerationsAreNeverEvicted) {
  MemoryStore store({.max_bytes = 2 * cost_of(2, 100), .shards = 1});
  run(store.bump({"gen:shop.a"}));
  for (int i = 0; i < 50; ++i) {
    // Appended rather than "k" + to_string(): g++ 12 -O2 warns falsely on that (-Wrestrict).
    std::string key = "k";
    key += std::to_string(i % 10);
    run(store.put(key, std::string(100, 'x'), milliseconds(60000)));
  }
  EXPECT_GT(store.evictions(), 0u);
  EXPECT_EQ(*run(store.generations({"gen:shop.a"})), (std::vector<std::uint64_t>{1}));
}

TEST(MemoryStore, ReportsItsKindAndIsAlwaysAvailable) {
  MemoryStore store;
  EXPECT_EQ(store.kind(), "memory");
  EXPECT_TRUE(store.available());
}

// One thread's share of the concurrency test: put, read back, bump, many times over.
awaitable<void> hammer(MemoryStore& store, int thread_index, int rounds, std::atomic<int>& wrong) {
  // Named vectors, not braced lists in the co_await expressions: g++ 12 rejects string literals
  // in an initializer list there ("array used as initializer").
  const std::vector<std::string> read_generations{"gen:shared"};
  const std::vector<std::string> bumped_generations{"gen:shared",
                                                    "gen:thread" + std::to_string(thread_index)};
  for (int i = 0; i < rounds; ++i) {
    const std::string key = "key:" + std::to_string(i % 64);
    const std::string expected = "value-of-" + key;
    co_await store.put(key, expected, milliseconds(60000));
    StoreLookup result = co_await store.lookup(key, read_generations);
    if (result.status == LookupStatus::Hit && result.bytes() != expected) ++wrong;
    co_await store.bump(bumped_generations);
  }
}

TEST(MemoryStore, ConcurrentThreadsShareEntriesAndCountEveryBump) {
  MemoryStore store({.max_bytes = 8 << 20, .shards = 16});
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::atomic<int> wrong_values{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &wrong_values, t] {
      asio::io_context io;
      asio::co_spawn(io, hammer(store, t, kRounds, wrong_values), asio::detached);
      io.run();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong_values.load(), 0);
  EXPECT_EQ(store.generations_now({"gen:shared"}),
            (std::vector<std::uint64_t>{kThreads * kRounds}));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(store.generations_now({"gen:thread" + std::to_string(t)}),
              (std::vector<std::uint64_t>{kRounds}));
  }
  EXPECT_EQ(store.entry_count(), 64u);
}

}  // namespace
}  // namespace sqlcache::cache
