#pragma once
// The store interface the proxy caches through: Redis (cache/redis_store.hpp) in production,
// the in-process MemoryStore (cache/memory_store.hpp) when no Redis is configured.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/store_lookup.hpp"
#include "proxy/asio.hpp"

namespace sqlcache::cache {

// A cache store. Instances are used from one io_context thread (Redis: one store per thread,
// connections pinned to it); MemoryStore is one instance shared by every thread (thread-safe).
// Callers pass complete keys (they add the key prefix). Generation keys never get a TTL.
// Errors never throw out of a store: every failure is LookupStatus::Error / false / nullopt,
// and the caller falls back to the database (fail open).
class CacheStore {
 public:
  virtual ~CacheStore() = default;
  // The entry and the current generations, in ONE round trip (pipelined GET + MGET). By value:
  // Asio's coroutines start when first awaited, so a reference could outlive its argument
  // (co_spawn(io, store.lookup("k", {}), ...) would read dead temporaries).
  virtual awaitable<StoreLookup> lookup(std::string key,
                                        std::vector<std::string> generation_keys) = 0;
  // The answer lookup() would give, without suspending, from a store that has it at hand (the
  // in-process store): no coroutine frame and no copies of the keys on a hit. nullopt: this
  // store cannot; call lookup().
  virtual std::optional<StoreLookup> lookup_immediate(
      std::string_view /*key*/, const std::vector<std::string>& /*generation_keys*/) {
    return std::nullopt;
  }
  // Stores with a TTL (SET key value PX ttl). false on error.
  virtual awaitable<bool> put(std::string key, std::string value,
                              std::chrono::milliseconds ttl) = 0;
  // Increments each generation key (INCR, pipelined). false on error.
  virtual awaitable<bool> bump(std::vector<std::string> generation_keys) = 0;
  // Reads generations only (MGET). Empty optional on error.
  virtual awaitable<std::optional<std::vector<std::uint64_t>>> generations(
      std::vector<std::string> generation_keys) = 0;
  virtual bool available() const = 0;  // false while the circuit breaker is open
  // Whether values live outside this process, where something else may damage them: then a
  // hit verifies the value's checksum. The in-process store holds what this process encoded.
  virtual bool external() const = 0;
  virtual std::string_view kind() const = 0;  // "redis", "memory"
};

}  // namespace sqlcache::cache
