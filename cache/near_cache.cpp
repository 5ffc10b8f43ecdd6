#include "cache/near_cache.hpp"

#include <algorithm>

namespace sqlcache::cache {

NearCache::NearCache(NearCacheOptions options) : options_(std::move(options)) {
  // now + ttl must stay within the clock's range.
  options_.ttl = std::clamp(options_.ttl, std::chrono::milliseconds(0), kLongestTtl);
}

void NearCache::tracking_up(Clock::time_point lease_until) {
  std::lock_guard lock(mutex_);
  ++version_;
  tracking_ = true;
  lease_until_ = lease_until;
}

void NearCache::extend_lease(Clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (tracking_) lease_until_ = std::max(lease_until_, until);
}

void NearCache::tracking_down() {
  std::lock_guard lock(mutex_);
  ++version_;
  tracking_ = false;
  lease_until_ = {};
  forget_everything_locked();
}

void NearCache::invalidate(std::string_view generation_key) {
  std::lock_guard lock(mutex_);
  ++version_;
  if (auto it = generations_.find(generation_key); it != generations_.end()) {
    generations_.erase(it);
  }
}

void NearCache::invalidate_all() {
  std::lock_guard lock(mutex_);
  ++version_;
  forget_everything_locked();
}

NearCache::Ticket NearCache::ticket() const {
  std::lock_guard lock(mutex_);
  return version_;
}

void NearCache::record(Ticket ticket, std::string_view key,
                       const std::vector<std::string>& generation_keys, const StoreLookup& lookup,
                       Clock::time_point value_expires, Clock::time_point now) {
  if (lookup.status == LookupStatus::Error || lookup.generations.size() != generation_keys.size()) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (!usable_locked(now) || ticket != version_) return;
  if (generations_.size() + generation_keys.size() > kMaxGenerations) generations_.clear();
  for (std::size_t i = 0; i < generation_keys.size(); ++i) {
    generations_.insert_or_assign(generation_keys[i], lookup.generations[i]);
  }
  if (lookup.status == LookupStatus::Hit && lookup.value) {
    keep_locked(key, lookup.value, value_expires, now);
  }
}

void NearCache::record_put(std::string_view key, std::shared_ptr<const std::string> value,
                           Clock::time_point value_expires, Clock::time_point now) {
  if (!value) return;
  std::lock_guard lock(mutex_);
  if (!usable_locked(now)) return;
  keep_locked(key, std::move(value), value_expires, now);
}

void NearCache::keep_locked(std::string_view key, std::shared_ptr<const std::string> value,
                            Clock::time_point value_expires, Clock::time_point now) {
  const Clock::time_point expires = std::min(value_expires, now + options_.ttl);
  if (now < expires) {
    store_entry_locked(key, std::move(value), expires);
  } else if (auto it = entries_.find(key); it != entries_.end()) {
    erase_entry_locked(it);  // an older copy would only be stale
  }
}

std::optional<StoreLookup> NearCache::answer(std::string_view key,
                                             const std::vector<std::string>& generation_keys,
                                             Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!usable_locked(now)) return std::nullopt;
  auto entry = entries_.find(key);
  if (entry == entries_.end()) return std::nullopt;
  if (entry->second.expires <= now) {
    erase_entry_locked(entry);
    return std::nullopt;
  }
  StoreLookup lookup;
  lookup.generations.reserve(generation_keys.size());
  for (const std::string& generation_key : generation_keys) {
    auto known = generations_.find(generation_key);
    if (known != generations_.end()) {
      lookup.generations.push_back(known->second);
    } else if (generation_key == options_.epoch_key) {
      lookup.generations.push_back(0);
    } else {
      return std::nullopt;
    }
  }
  lookup.status = LookupStatus::Hit;
  lookup.value = entry->second.value;
  lru_.splice(lru_.begin(), lru_, entry->second.order);
  return lookup;
}

NearCacheStats NearCache::stats() const {
  std::lock_guard lock(mutex_);
  return NearCacheStats{entries_.size(), bytes_, generations_.size(), tracking_};
}

void NearCache::forget_everything_locked() {
  generations_.clear();
  entries_.clear();
  lru_.clear();
  bytes_ = 0;
}

void NearCache::store_entry_locked(std::string_view key, std::shared_ptr<const std::string> value,
                                   Clock::time_point expires) {
  // An older copy goes even when the new one is too large to keep: it would only be stale.
  if (auto it = entries_.find(key); it != entries_.end()) erase_entry_locked(it);
  const std::uint64_t cost = key.size() + value->size() + kEntryOverhead;
  if (cost > options_.max_bytes) return;
  while (bytes_ + cost > options_.max_bytes && !lru_.empty()) {
    erase_entry_locked(entries_.find(lru_.back()));
  }
  lru_.emplace_front(key);
  Entry entry{std::move(value), expires, lru_.begin(), cost};
  entries_.emplace(std::string(key), std::move(entry));
  bytes_ += cost;
}

void NearCache::erase_entry_locked(EntryMap::iterator it) {
  bytes_ -= it->second.cost;
  lru_.erase(it->second.order);
  entries_.erase(it);
}

}  // namespace sqlcache::cache
