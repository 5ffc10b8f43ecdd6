#pragma once
// Cache events that every worker thread may run into, logged once for the process: each
// thread has its own store connections and circuit breaker, and a damaged value may be read by
// any query. Without this a Redis refusing AUTH logs one line per thread, and a corrupt value
// one per thread (the counters in /metrics still count every occurrence).
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::proxy {

class CacheEventLog {
 public:
  // `store`: how the store is named in the lines (its URL, any password masked).
  CacheEventLog(std::size_t workers, std::string store);

  // Worker `worker`'s store became unusable ("down", with the reason) or usable again ("up").
  // Logs "down" when the first worker loses the store, and "up" when the last one has it back.
  // "near_cache_pttl_refused" is logged once for the process and changes nothing else.
  // Thread-safe.
  void store_event(std::size_t worker, std::string_view event, std::string_view reason);

  // False from a worker's "down" until every worker that went down is "up" again: what
  // sqlcache_store_up reports (a breaker that merely waits to probe is still down). Thread-safe.
  bool store_up() const;

  // A store value failed its format or checksum check. Logs the first one only. Thread-safe.
  void corrupt_value(std::string_view key, std::string_view problem);

 private:
  std::string store_;
  mutable std::mutex mutex_;
  std::vector<bool> down_;  // per worker
  std::size_t down_count_ = 0;
  std::atomic<bool> corrupt_logged_{false};
  std::atomic<bool> pttl_refused_logged_{false};
};

}  // namespace sqlcache::proxy
