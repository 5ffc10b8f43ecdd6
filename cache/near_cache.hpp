#pragma once
// The near cache: a bounded copy, inside the proxy, of entries and table generations read from
// Redis, so that a hit whose generations are known here is answered without a Redis round trip
// (docs/caching.md, "Near cache"). Shared by every worker thread (one mutex; a hit holds it
// for two hash lookups).
//
// What makes it safe: the generations it knows are only those Redis will tell it about when
// they change. A listener connection (cache/redis_tracking_listener.hpp) keeps Redis's client
// tracking on for the generation keys and calls invalidate() for every change; while that
// connection is not up, the near cache knows nothing and answers nothing. It also answers only
// within a lease the listener renews with every answered PING: a PONG proves that every
// invalidation Redis sent before that PING has been read, so a connection that went silent
// stops the answers when the lease runs out, before anyone notices the connection is dead. A
// value read from Redis is recorded only with a ticket taken before the read, and only if no
// invalidation came in between (the reply and the invalidation travel on different
// connections, in either order). Entries are the stored bytes, checked against the generations
// by the caller as every store's are, and kept until Redis expires them, at most `ttl`.
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/store_lookup.hpp"

namespace sqlcache::cache {

struct NearCacheOptions {
  std::uint64_t max_bytes = 64ULL << 20;  // entries: key + value + bookkeeping
  std::chrono::milliseconds ttl{60000};   // longest time an entry is kept
  // A generation key an answer may give as 0 when it is not known: the write epoch, which
  // every write anywhere changes and which only a miss reads (an answer serves only hits).
  std::string epoch_key;
};

struct NearCacheStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t generations = 0;
  bool tracking = false;
};

class NearCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Ticket = std::uint64_t;
  // Bookkeeping per entry beyond its key and value: map node, list node, control block.
  static constexpr std::uint64_t kEntryOverhead = 160;
  // A longer `ttl` is taken as this (now + ttl must stay within the clock's range).
  static constexpr std::chrono::milliseconds kLongestTtl = std::chrono::hours(24 * 366);

  explicit NearCache(NearCacheOptions options);

  // The listener's connection is subscribed (up, with a first lease) or lost (down: everything
  // is forgotten and nothing is recorded until it is up again).
  void tracking_up(Clock::time_point lease_until);
  void tracking_down();
  // Answers and records are allowed until `until` (a later time than the current lease).
  void extend_lease(Clock::time_point until);

  // A generation key changed in Redis (or is about to, through this proxy: see bump()).
  void invalidate(std::string_view generation_key);
  // Redis was flushed, or the listener cannot tell which keys changed.
  void invalidate_all();

  // Taken before a Redis read whose answer may be recorded.
  Ticket ticket() const;
  // Records what a lookup read (generations, and the value on a hit, kept until
  // `value_expires` at the latest: when Redis expires it), unless something was invalidated
  // since `ticket` or tracking is down.
  void record(Ticket ticket, std::string_view key, const std::vector<std::string>& generation_keys,
              const StoreLookup& lookup, Clock::time_point value_expires, Clock::time_point now);
  // Records a value this proxy stored, which Redis expires at `value_expires` at the latest
  // (its generations are the caller's business).
  void record_put(std::string_view key, std::shared_ptr<const std::string> value,
                  Clock::time_point value_expires, Clock::time_point now);
  // The answer lookup() would give for a hit, if the entry and every generation are known here
  // (the epoch key's excepted, see NearCacheOptions).
  std::optional<StoreLookup> answer(std::string_view key,
                                    const std::vector<std::string>& generation_keys,
                                    Clock::time_point now);

  NearCacheStats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const std::string> value;
    Clock::time_point expires;
    std::list<std::string>::iterator order;  // position in lru_
    std::uint64_t cost = 0;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  using GenerationMap = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;
  using EntryMap = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;

  bool usable_locked(Clock::time_point now) const { return tracking_ && now < lease_until_; }
  void forget_everything_locked();
  // Keeps `value` until value_expires, at most options_.ttl from now; one that would already
  // have expired replaces the key's older copy with nothing.
  void keep_locked(std::string_view key, std::shared_ptr<const std::string> value,
                   Clock::time_point value_expires, Clock::time_point now);
  void store_entry_locked(std::string_view key, std::shared_ptr<const std::string> value,
                          Clock::time_point expires);
  void erase_entry_locked(EntryMap::iterator it);

  // More distinct generation keys than this (tables of every schema) and the map starts over.
  static constexpr std::size_t kMaxGenerations = 200000;

  NearCacheOptions options_;
  mutable std::mutex mutex_;
  bool tracking_ = false;
  Clock::time_point lease_until_{};
  Ticket version_ = 0;  // advanced by every invalidation and tracking change
  GenerationMap generations_;
  EntryMap entries_;
  std::list<std::string> lru_;  // front: most recently used
  std::uint64_t bytes_ = 0;
};

}  // namespace sqlcache::cache
