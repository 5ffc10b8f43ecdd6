#pragma once
// The in-process store, used when no Redis is configured: one instance shared by every
// io_context thread. Entries are bounded by bytes (key + value + a fixed per-entry overhead)
// and evicted least-recently-used first; each entry has its own TTL and an expired entry is a
// miss, dropped when it is next touched. Generation counters live apart from the entries and
// are never evicted: losing one would make stale entries reachable again.
//
// The keyspace is split into shards by key hash, each with its own mutex and its own share of
// the byte budget, so threads rarely wait for each other. Generation counters are atomics in
// one table that is read under a shared lock (every hit reads several; writes are rare).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "cache/cache_store.hpp"

namespace sqlcache::cache {

struct MemoryStoreOptions {
  std::size_t max_bytes = 256u << 20;
  std::size_t shards = 16;
  // Where "now" comes from; tests replace it to expire entries without sleeping.
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

class MemoryStore final : public CacheStore {
 public:
  // Bookkeeping cost charged to each entry on top of its key and value bytes (list node, hash
  // node, shared value header): small values must not look free.
  static constexpr std::size_t kEntryOverhead = 96;

  explicit MemoryStore(MemoryStoreOptions options = {});
  ~MemoryStore() override;

  awaitable<StoreLookup> lookup(std::string key, std::vector<std::string> generation_keys) override;
  std::optional<StoreLookup> lookup_immediate(
      std::string_view key, const std::vector<std::string>& generation_keys) override {
    return lookup_now(key, generation_keys);
  }
  awaitable<bool> put(std::string key, std::string value, std::chrono::milliseconds ttl) override;
  awaitable<bool> bump(std::vector<std::string> generation_keys) override;
  awaitable<std::optional<std::vector<std::uint64_t>>> generations(
      std::vector<std::string> generation_keys) override;
  bool available() const override { return true; }
  bool external() const override { return false; }
  std::string_view kind() const override { return "memory"; }

  // The same operations without a coroutine frame, for callers outside an io_context.
  StoreLookup lookup_now(std::string_view key, const std::vector<std::string>& generation_keys);
  // false when the entry alone is larger than a shard's budget (it is not stored). A TTL of
  // zero or less stores nothing and succeeds.
  bool put_now(std::string_view key, std::string value, std::chrono::milliseconds ttl);
  void bump_now(const std::vector<std::string>& generation_keys);
  std::vector<std::uint64_t> generations_now(const std::vector<std::string>& generation_keys);

  std::size_t bytes_used() const;
  std::size_t entry_count() const;
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  std::uint64_t expirations() const { return expirations_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  Shard& shard_for(std::string_view key) const;

  MemoryStoreOptions options_;
  std::size_t shard_budget_;
  std::vector<std::unique_ptr<Shard>> shards_;
  struct Generations;
  std::unique_ptr<Generations> generations_;
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> expirations_{0};
};

}  // namespace sqlcache::cache
