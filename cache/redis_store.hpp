#pragma once
// The Redis-backed CacheStore: one per io_context thread, with a small pool of pipelined
// connections pinned to that thread, a per-call timeout and a circuit breaker. Every failure
// comes back as LookupStatus::Error / false / nullopt, never as an exception, so the proxy
// simply goes to the database (design.md decision 7).
//
// Consistency: an entry and the table generations it must be checked against are read in one
// pipelined round trip (GET + MGET), but not atomically; a bump landing between the two makes
// the caller see the newer generation and treat the entry as stale, which errs on the safe
// side. Generation keys get no TTL; a Redis that evicts them (allkeys-* maxmemory policies)
// resets them to 0, which the caller must tolerate by recording generations per entry.
//
// An error reply (WRONGTYPE, NOAUTH, OOM, LOADING, ...) is a failed call like a timeout, and
// counts towards the circuit breaker: a server that refuses work is as useless to the proxy as
// one that is down.
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "cache/cache_store.hpp"
#include "cache/circuit_breaker.hpp"
#include "cache/near_cache.hpp"
#include "cache/redis_connection.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_stats.hpp"

namespace sqlcache::cache {

// Receives the store's up/down transitions ("down" with the failure that opened the circuit,
// "up" when a call succeeds again), and "near_cache_pttl_refused" once, with the server's
// reply, when a lookup's PTTL fails (the near cache then keeps no copy it reads from Redis).
// The default writes one key=value line to stderr.
using RedisEventSink = std::function<void(std::string_view event, std::string_view reason)>;

class RedisStore final : public CacheStore {
 public:
  // Connections open lazily, on the first call. Throws only for startup configuration errors
  // (an unreadable TLS ca_file). The store must outlive every call made on it; destroying it
  // closes its connections (calls still pending fail with Closed).
  RedisStore(asio::any_io_executor executor, RedisOptions options, RedisEventSink events = {});
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  // With a near cache (shared by the stores of every thread, kept current by one
  // RedisTrackingListener), hits it can answer cost no round trip; lookups and puts fill it.
  void set_near_cache(std::shared_ptr<NearCache> near_cache) {
    near_cache_ = std::move(near_cache);
  }

  awaitable<StoreLookup> lookup(std::string key, std::vector<std::string> generation_keys) override;
  std::optional<StoreLookup> lookup_immediate(
      std::string_view key, const std::vector<std::string>& generation_keys) override;
  // A TTL of zero or less stores nothing and succeeds.
  awaitable<bool> put(std::string key, std::string value, std::chrono::milliseconds ttl) override;
  awaitable<bool> bump(std::vector<std::string> generation_keys) override;
  awaitable<std::optional<std::vector<std::uint64_t>>> generations(
      std::vector<std::string> generation_keys) override;
  bool available() const override;
  bool external() const override { return true; }
  std::string_view kind() const override { return "redis"; }

  const StoreStats& stats() const { return *stats_; }
  const NearCache* near_cache() const { return near_cache_.get(); }
  CircuitBreaker::State breaker_state() const { return breaker_.state(); }
  const RedisOptions& options() const { return options_; }

 private:
  using Clock = CircuitBreaker::Clock;

  // Breaker check, pool pick, the call itself. Transport failures are recorded here; a call
  // that got its replies is recorded by the caller once it has read them (settle()).
  awaitable<RedisResult> round_trip(RedisRequest request);
  void settle(bool ok, std::string_view reason, Clock::time_point started);
  void record_failure(std::string_view reason);
  void emit(std::string_view event, std::string_view reason);

  RedisOptions options_;
  RedisEventSink events_;
  std::shared_ptr<StoreStats> stats_;
  CircuitBreaker breaker_;
  std::vector<std::shared_ptr<RedisConnection>> pool_;
  std::size_t next_connection_ = 0;
  bool pttl_refused_ = false;  // reported once: the near cache keeps no copy it reads
  std::shared_ptr<NearCache> near_cache_;
};

}  // namespace sqlcache::cache
