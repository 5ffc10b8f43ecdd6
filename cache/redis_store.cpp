#include "cache/redis_store.hpp"

#include <unistd.h>

#include <ctime>
#include <utility>

namespace sqlcache::cache {

namespace {

// Same shape as the proxy's text log lines (time level component event fields), written here
// because cache/ does not depend on proxy/.
void write_stderr_event(const RedisOptions& options, std::string_view event,
                        std::string_view reason) {
  char time_text[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(time_text, sizeof time_text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string line = time_text;
  line += event == "down" ? " level=warn" : " level=info";
  line += " component=redis event=";
  line += event;
  line += " server=" + options.host + ":" + std::to_string(options.port);
  if (!reason.empty()) {
    line += " reason=\"";
    for (char c : reason) {
      if (c == '"' || c == '\\') line += '\\';
      line += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    line += '"';
  }
  line += '\n';
  // One write per line keeps lines from different threads whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

// `from + ttl` on the near cache's clock; a TTL past the clock's range is no limit (the near
// cache caps every copy at near_cache_ttl anyway).
NearCache::Clock::time_point expiry_after(NearCache::Clock::time_point from,
                                          std::chrono::milliseconds ttl) {
  const auto headroom = std::chrono::duration_cast<std::chrono::milliseconds>(
      NearCache::Clock::time_point::max() - from);
  return ttl >= headroom ? NearCache::Clock::time_point::max() : from + ttl;
}

}  // namespace

RedisStore::RedisStore(asio::any_io_executor executor, RedisOptions options, RedisEventSink events)
    : options_(std::move(options)),
      events_(std::move(events)),
      stats_(std::make_shared<StoreStats>()),
      breaker_(options_.breaker) {
  std::shared_ptr<asio::ssl::context> tls;
  if (options_.tls) tls = make_redis_tls_context(options_);
  const std::size_t size = std::max<std::size_t>(options_.pool_size, 1);
  pool_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) {
    pool_.push_back(std::make_shared<RedisConnection>(executor, options_, tls, stats_));
  }
}

RedisStore::~RedisStore() {
  // The connections' coroutines hold them alive; closing makes those coroutines finish.
  for (auto& connection : pool_) connection->close();
}

bool RedisStore::available() const { return breaker_.would_allow(Clock::now()); }

void RedisStore::emit(std::string_view event, std::string_view reason) {
  if (events_) {
    events_(event, reason);
  } else {
    write_stderr_event(options_, event, reason);
  }
}

void RedisStore::record_failure(std::string_view reason) {
  stats_->errors.fetch_add(1, std::memory_order_relaxed);
  if (breaker_.record_failure(Clock::now())) emit("down", reason);
}

void RedisStore::settle(bool ok, std::string_view reason, Clock::time_point started) {
  if (!ok) {
    record_failure(reason);
    return;
  }
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  stats_->round_trips.fetch_add(1, std::memory_order_relaxed);
  stats_->round_trip_micros.fetch_add(static_cast<std::uint64_t>(micros),
                                      std::memory_order_relaxed);
  if (breaker_.record_success()) emit("up", {});
}

awaitable<RedisResult> RedisStore::round_trip(RedisRequest request) {
  if (!breaker_.allow(Clock::now())) {
    stats_->rejected.fetch_add(1, std::memory_order_relaxed);
    co_return RedisResult{RedisFailure::CircuitOpen, "circuit breaker open", {}};
  }
  // Hold the connection: the store may be destroyed while this call is suspended.
  std::shared_ptr<RedisConnection> connection = pool_[next_connection_++ % pool_.size()];
  RedisResult result = co_await connection->execute(std::move(request));
  if (!result.ok()) record_failure(result.reason);
  co_return result;
}

std::optional<StoreLookup> RedisStore::lookup_immediate(
    std::string_view key, const std::vector<std::string>& generation_keys) {
  if (!near_cache_) return std::nullopt;
  return near_cache_->answer(key, generation_keys, NearCache::Clock::now());
}

awaitable<StoreLookup> RedisStore::lookup(std::string key,
                                          std::vector<std::string> generation_keys) {
  try {
    const auto started = Clock::now();
    // With a near cache, the entry's remaining TTL too (PTTL first), so its copy expires with it.
    const bool with_ttl = near_cache_ != nullptr;
    const NearCache::Ticket ticket = with_ttl ? near_cache_->ticket() : 0;
    RedisRequest request = lookup_request(key, generation_keys);
    if (with_ttl) {
      RedisRequest ttl_first = remaining_ttl_request(key);
      append(ttl_first, request);
      request = std::move(ttl_first);
    }
    RedisResult result = co_await round_trip(std::move(request));
    if (!result.ok()) co_return StoreLookup{};
    std::string error;
    std::span<RedisReply> replies(result.replies);
    auto lookup = read_lookup_replies(replies.subspan(with_ttl && !replies.empty() ? 1 : 0),
                                      generation_keys.size(), error);
    settle(lookup.has_value(), error, started);
    if (!lookup) co_return StoreLookup{};
    if (with_ttl) {
      std::string ttl_error;
      std::optional<std::chrono::milliseconds> keep_for =
          read_remaining_ttl(replies.front(), ttl_error);
      if (!keep_for) {
        // An ACL without +pttl, say: the lookup still counts; only its copy is not kept.
        if (!std::exchange(pttl_refused_, true)) emit("near_cache_pttl_refused", ttl_error);
        keep_for = std::chrono::milliseconds(0);
      }
      // Counted from before the request was sent: the copy does not outlive the entry.
      near_cache_->record(ticket, key, generation_keys, *lookup, expiry_after(started, *keep_for),
                          NearCache::Clock::now());
    }
    co_return std::move(*lookup);
  } catch (const std::exception& e) {
    // Only resource exhaustion gets here; the cache still must not break the query.
    record_failure(e.what());
  }
  co_return StoreLookup{};
}

awaitable<bool> RedisStore::put(std::string key, std::string value, std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) co_return true;
  try {
    const auto started = Clock::now();
    RedisResult result = co_await round_trip(put_request(key, value, ttl));
    if (!result.ok()) co_return false;
    std::string error;
    const bool stored = read_put_reply(result.replies, error);
    settle(stored, error, started);
    if (stored && near_cache_) {
      // Redis counts the TTL from when it ran the SET, after `started`.
      near_cache_->record_put(key, std::make_shared<const std::string>(std::move(value)),
                              expiry_after(started, ttl), NearCache::Clock::now());
    }
    co_return stored;
  } catch (const std::exception& e) {
    record_failure(e.what());
  }
  co_return false;
}

awaitable<bool> RedisStore::bump(std::vector<std::string> generation_keys) {
  if (generation_keys.empty()) co_return true;
  // Forgotten before the INCRs are sent and again once they are answered (or have failed, by
  // the guard): a lookup racing the bump on another connection may read the old values, and
  // must not record them (its ticket predates the second forget), whatever order the
  // invalidation messages arrive in.
  struct Forget {
    NearCache* near_cache;
    const std::vector<std::string>& keys;
    void operator()() const {
      if (near_cache == nullptr) return;
      for (const std::string& key : keys) near_cache->invalidate(key);
    }
    ~Forget() { (*this)(); }
  };
  const Forget forget_again{near_cache_.get(), generation_keys};
  forget_again();
  try {
    const auto started = Clock::now();
    RedisResult result = co_await round_trip(bump_request(generation_keys));
    forget_again();
    if (!result.ok()) co_return false;
    std::string error;
    const bool bumped = read_bump_replies(result.replies, error);
    settle(bumped, error, started);
    co_return bumped;
  } catch (const std::exception& e) {
    record_failure(e.what());
  }
  co_return false;
}

awaitable<std::optional<std::vector<std::uint64_t>>> RedisStore::generations(
    std::vector<std::string> generation_keys) {
  if (generation_keys.empty()) co_return std::vector<std::uint64_t>{};
  try {
    const auto started = Clock::now();
    RedisResult result = co_await round_trip(generations_request(generation_keys));
    if (!result.ok()) co_return std::nullopt;
    std::string error;
    auto values = read_generations_reply(result.replies, generation_keys.size(), error);
    settle(values.has_value(), error, started);
    co_return values;
  } catch (const std::exception& e) {
    record_failure(e.what());
  }
  co_return std::nullopt;
}

}  // namespace sqlcache::cache
