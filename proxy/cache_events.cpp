#include "proxy/cache_events.hpp"

#include "proxy/log.hpp"

namespace sqlcache::proxy {

CacheEventLog::CacheEventLog(std::size_t workers, std::string store)
    : store_(std::move(store)), down_(workers, false) {}

void CacheEventLog::store_event(std::size_t worker, std::string_view event,
                                std::string_view reason) {
  if (event == "near_cache_pttl_refused") {
    if (pttl_refused_logged_.exchange(true)) return;
    log_event(
        LogLevel::warn, "near_cache", "pttl_refused",
        {{"store", store_},
         {"reason", reason},
         {"effect", "lookups still work; copies read from Redis are not kept (grant +pttl)"}});
    return;
  }
  const bool down = event != "up";
  std::lock_guard lock(mutex_);
  if (worker >= down_.size() || down_[worker] == down) return;
  down_[worker] = down;
  if (down) {
    if (++down_count_ != 1) return;
    log_event(LogLevel::warn, "redis", "down",
              {{"store", store_}, {"reason", reason}, {"effect", "queries go to the database"}});
  } else {
    if (--down_count_ != 0) return;
    log_event(LogLevel::info, "redis", "up", {{"store", store_}});
  }
}

bool CacheEventLog::store_up() const {
  std::lock_guard lock(mutex_);
  return down_count_ == 0;
}

void CacheEventLog::corrupt_value(std::string_view key, std::string_view problem) {
  if (corrupt_logged_.exchange(true)) return;
  log_event(LogLevel::warn, "cache", "corrupt_value",
            {{"key", key},
             {"problem", problem},
             {"effect",
              "served from the database; later ones are only counted "
              "(sqlcache_cache_corrupt_values_total)"}});
}

}  // namespace sqlcache::proxy
