#include "cache/memory_store.hpp"

#include <list>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace sqlcache::cache {

namespace {

// Transparent hashing lets the maps be searched with a string_view, without building a key.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

std::size_t entry_cost(std::string_view key, const std::string& value) {
  return key.size() + value.size() + MemoryStore::kEntryOverhead;
}

}  // namespace

struct MemoryStore::Shard {
  struct Entry {
    std::string key;
    // Shared so a hit copies the bytes out after the lock is released.
    std::shared_ptr<const std::string> value;
    std::chrono::steady_clock::time_point expires_at;
    std::size_t cost;
  };
  using Lru = std::list<Entry>;  // front: most recently used

  mutable std::mutex mutex;
  Lru lru;
  // Keyed by views into the list's own keys: list nodes never move, so the views stay valid.
  std::unordered_map<std::string_view, Lru::iterator, KeyHash, std::equal_to<>> index;
  std::size_t bytes = 0;

  void erase(Lru::iterator it) {
    bytes -= it->cost;
    index.erase(std::string_view(it->key));
    lru.erase(it);
  }
};

// Counters are never removed, so a found counter can be read or incremented under the shared
// lock; only adding a key takes the exclusive one.
struct MemoryStore::Generations {
  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::atomic<std::uint64_t>, KeyHash, std::equal_to<>> values;
};

MemoryStore::MemoryStore(MemoryStoreOptions options)
    : options_(std::move(options)), generations_(std::make_unique<Generations>()) {
  if (options_.shards == 0) options_.shards = 1;
  if (!options_.clock) options_.clock = std::chrono::steady_clock::now;
  shard_budget_ = options_.max_bytes / options_.shards;
  shards_.reserve(options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

MemoryStore::~MemoryStore() = default;

MemoryStore::Shard& MemoryStore::shard_for(std::string_view key) const {
  return *shards_[KeyHash{}(key) % shards_.size()];
}

StoreLookup MemoryStore::lookup_now(std::string_view key,
                                    const std::vector<std::string>& generation_keys) {
  StoreLookup result;
  std::shared_ptr<const std::string> value;
  {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    if (auto found = shard.index.find(key); found != shard.index.end()) {
      auto it = found->second;
      if (options_.clock() >= it->expires_at) {
        shard.erase(it);
        expirations_.fetch_add(1, std::memory_order_relaxed);
      } else {
        shard.lru.splice(shard.lru.begin(), shard.lru, it);
        value = it->value;
      }
    }
  }
  result.status = value ? LookupStatus::Hit : LookupStatus::Miss;
  result.value = std::move(value);
  result.generations = generations_now(generation_keys);
  return result;
}

bool MemoryStore::put_now(std::string_view key, std::string value, std::chrono::milliseconds ttl) {
  // Nothing to keep; like RedisStore, an entry already there is left alone.
  if (ttl.count() <= 0) return true;
  const std::size_t cost = entry_cost(key, value);
  Shard& shard = shard_for(key);
  auto shared_value = std::make_shared<const std::string>(std::move(value));
  const auto expires_at = options_.clock() + ttl;
  std::lock_guard lock(shard.mutex);
  if (auto found = shard.index.find(key); found != shard.index.end()) shard.erase(found->second);
  if (cost > shard_budget_) return false;
  while (shard.bytes + cost > shard_budget_ && !shard.lru.empty()) {
    shard.erase(std::prev(shard.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  shard.lru.push_front(Shard::Entry{std::string(key), std::move(shared_value), expires_at, cost});
  shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
  shard.bytes += cost;
  return true;
}

void MemoryStore::bump_now(const std::vector<std::string>& generation_keys) {
  Generations& table = *generations_;
  for (const auto& key : generation_keys) {
    {
      std::shared_lock lock(table.mutex);
      if (auto found = table.values.find(key); found != table.values.end()) {
        found->second.fetch_add(1);
        continue;
      }
    }
    std::unique_lock lock(table.mutex);
    table.values.try_emplace(key, 0).first->second.fetch_add(1);
  }
}

std::vector<std::uint64_t> MemoryStore::generations_now(
    const std::vector<std::string>& generation_keys) {
  std::vector<std::uint64_t> values;
  values.reserve(generation_keys.size());
  const Generations& table = *generations_;
  std::shared_lock lock(table.mutex);
  for (const auto& key : generation_keys) {
    auto found = table.values.find(key);
    values.push_back(found == table.values.end() ? 0 : found->second.load());
  }
  return values;
}

awaitable<StoreLookup> MemoryStore::lookup(std::string key,
                                           std::vector<std::string> generation_keys) {
  co_return lookup_now(key, generation_keys);
}

awaitable<bool> MemoryStore::put(std::string key, std::string value,
                                 std::chrono::milliseconds ttl) {
  // An entry too large to keep is not a store failure: it is as if it was evicted at once.
  put_now(key, std::move(value), ttl);
  co_return true;
}

awaitable<bool> MemoryStore::bump(std::vector<std::string> generation_keys) {
  bump_now(generation_keys);
  co_return true;
}

awaitable<std::optional<std::vector<std::uint64_t>>> MemoryStore::generations(
    std::vector<std::string> generation_keys) {
  co_return generations_now(generation_keys);
}

std::size_t MemoryStore::bytes_used() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->bytes;
  }
  return total;
}

std::size_t MemoryStore::entry_count() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->lru.size();
  }
  return total;
}

}  // namespace sqlcache::cache
