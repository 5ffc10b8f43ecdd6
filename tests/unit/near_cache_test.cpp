#include "cache/near_cache.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sqlcache::cache {
namespace {

using std::chrono::milliseconds;
using Clock = NearCache::Clock;

const std::vector<std::string> kGenerations = {"p:gen:t:shop.items", "p:gen:epoch"};
constexpr auto kLease = std::chrono::hours(1);
// A value whose Redis entry has no expiry: only the near cache's own TTL bounds its copy.
constexpr Clock::time_point kNoExpiry = Clock::time_point::max();

NearCacheOptions options_of(std::uint64_t max_bytes, milliseconds ttl) {
  NearCacheOptions options;
  options.max_bytes = max_bytes;
  options.ttl = ttl;
  return options;
}

StoreLookup hit(std::string value, std::vector<std::uint64_t> generations) {
  StoreLookup lookup;
  lookup.status = LookupStatus::Hit;
  lookup.value = std::make_shared<const std::string>(std::move(value));
  lookup.generations = std::move(generations);
  return lookup;
}

StoreLookup miss(std::vector<std::uint64_t> generations) {
  StoreLookup lookup;
  lookup.status = LookupStatus::Miss;
  lookup.generations = std::move(generations);
  return lookup;
}

TEST(NearCache, AnswersWhatALookupRecorded) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  std::optional<StoreLookup> answer = cache.answer("p:q:1", kGenerations, now);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, LookupStatus::Hit);
  EXPECT_EQ(answer->bytes(), "rows");
  EXPECT_EQ(answer->generations, (std::vector<std::uint64_t>{7, 3}));
}

TEST(NearCache, AnswersNothingWithoutTracking) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  cache.tracking_up(Clock::now() + kLease);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now)) << "recorded while down";
}

TEST(NearCache, TrackingDownForgetsEverything) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  cache.tracking_down();
  cache.tracking_up(Clock::now() + kLease);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, AnInvalidatedGenerationIsNoLongerKnown) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  cache.invalidate("p:gen:t:shop.items");
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  // The next lookup from Redis brings the new value, and the entry answers again.
  cache.record(cache.ticket(), "p:q:1", kGenerations, miss({8, 3}), kNoExpiry, now);
  std::optional<StoreLookup> answer = cache.answer("p:q:1", kGenerations, now);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->generations, (std::vector<std::uint64_t>{8, 3}))
      << "the caller compares these with the entry's and sees it is stale";
}

TEST(NearCache, AReadThatRacedAnInvalidationIsNotRecorded) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  const NearCache::Ticket ticket = cache.ticket();
  // The invalidation arrives before the reply of a read sent earlier: that reply may hold the
  // old value.
  cache.invalidate("p:gen:t:shop.items");
  cache.record(ticket, "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, AFlushForgetsEverything) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  cache.invalidate_all();
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, NeedsEveryGenerationOfTheLookup) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  const std::vector<std::string> more = {"p:gen:t:shop.items", "p:gen:t:shop.orders",
                                         "p:gen:epoch"};
  EXPECT_FALSE(cache.answer("p:q:1", more, now));
}

TEST(NearCache, AnEntryLivesAtMostTheTtl) {
  NearCache cache(options_of(1 << 20, milliseconds(500)));
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(499)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(500)));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, AnEntryLivesNoLongerThanItsRedisEntry) {
  NearCache cache(options_of(1 << 20, std::chrono::hours(1)));
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now + milliseconds(300),
               now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(299)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(300)));
}

TEST(NearCache, AValueNotKeptTakesTheOlderCopyAway) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("old", {7, 3}), kNoExpiry, now);
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("new", {7, 3}), now, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, AHugeTtlIsCappedWithinTheClocksRange) {
  NearCache cache(options_of(1 << 20, milliseconds::max()));
  const auto now = Clock::now();
  cache.tracking_up(now + std::chrono::hours(24 * 800));
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + std::chrono::hours(24 * 365)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + NearCache::kLongestTtl));
}

TEST(NearCache, AValueReadAfterItsEntryExpiredIsNotKeptButItsGenerationsAre) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().generations, 2u);
}

TEST(NearCache, APutLivesAtMostItsOwnTtl) {
  NearCache cache(options_of(1 << 20, milliseconds(5000)));
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:0", kGenerations, miss({7, 3}), kNoExpiry, now);
  cache.record_put("p:q:1", std::make_shared<const std::string>("rows"), now + milliseconds(100),
                   now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(99)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(100)));
}

TEST(NearCache, AMissRecordsGenerationsButNoEntry) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, miss({7, 3}), kNoExpiry, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().generations, 2u);
}

TEST(NearCache, AFailedLookupRecordsNothing) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  cache.record(cache.ticket(), "p:q:1", kGenerations, StoreLookup{}, kNoExpiry, Clock::now());
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, EvictsTheLeastRecentlyUsedToStayWithinItsLimit) {
  const std::string value(1000, 'x');
  // Room for two entries of this size, not three.
  NearCache cache(options_of(2 * (1000 + 5 + NearCache::kEntryOverhead) + 10, milliseconds(5000)));
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit(value, {1, 1}), kNoExpiry, now);
  cache.record(cache.ticket(), "p:q:2", kGenerations, hit(value, {1, 1}), kNoExpiry, now);
  ASSERT_TRUE(cache.answer("p:q:1", kGenerations, now));  // 1 is now the most recent
  cache.record(cache.ticket(), "p:q:3", kGenerations, hit(value, {1, 1}), kNoExpiry, now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_FALSE(cache.answer("p:q:2", kGenerations, now));
  EXPECT_TRUE(cache.answer("p:q:3", kGenerations, now));
  EXPECT_LE(cache.stats().bytes, 2u * (1000 + 5 + NearCache::kEntryOverhead) + 10);
}

TEST(NearCache, AValueLargerThanTheLimitIsNotKept) {
  NearCache cache(options_of(100, milliseconds(5000)));
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit(std::string(200, 'x'), {1, 1}), kNoExpiry,
               now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(NearCache, ReplacingAnEntryKeepsTheByteCountExact) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up(Clock::now() + kLease);
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("aaaa", {1, 1}), kNoExpiry, now);
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("bb", {1, 1}), kNoExpiry, now);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, 5u + 2u + NearCache::kEntryOverhead);
  EXPECT_EQ(cache.answer("p:q:1", kGenerations, now)->bytes(), "bb");
}

TEST(NearCache, AReadSentBeforeTheListenerWasLostIsNotRecordedAfterItIsBack) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.tracking_up(now + kLease);
  const NearCache::Ticket ticket = cache.ticket();
  // Invalidations sent while the listener was away are lost: the reply may be older than them.
  cache.tracking_down();
  cache.tracking_up(now + kLease);
  cache.record(ticket, "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_EQ(cache.stats().generations, 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, NothingIsRecordedOrAnsweredOnceTheLeaseIsOver) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.tracking_up(now + milliseconds(300));
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(299)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(300)))
      << "a listener that stopped hearing PONGs may have missed invalidations";
  cache.record(cache.ticket(), "p:q:2", kGenerations, hit("rows", {7, 3}), kNoExpiry,
               now + milliseconds(300));
  cache.record_put("p:q:3", std::make_shared<const std::string>("rows"), now + milliseconds(1300),
                   now + milliseconds(300));
  // A PONG renews it.
  cache.extend_lease(now + milliseconds(600));
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(400)));
  EXPECT_FALSE(cache.answer("p:q:2", kGenerations, now + milliseconds(400)));
  EXPECT_FALSE(cache.answer("p:q:3", kGenerations, now + milliseconds(400)));
}

TEST(NearCache, ALeaseIsNeverShortenedAndNeedsTracking) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.extend_lease(now + kLease);  // down: ignored
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  cache.tracking_up(now + milliseconds(500));
  cache.extend_lease(now + milliseconds(100));
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(400)));
}

TEST(NearCache, APutWhileDownIsNotKept) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.record_put("p:q:1", std::make_shared<const std::string>("rows"), now + milliseconds(1000),
                   now);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, TheWriteEpochMayBeUnknown) {
  NearCacheOptions options;
  options.epoch_key = "p:gen:epoch";
  NearCache cache(options);
  const auto now = Clock::now();
  cache.tracking_up(now + kLease);
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), kNoExpiry, now);
  // Every write anywhere changes the epoch; only misses read it, and answers serve only hits.
  cache.invalidate("p:gen:epoch");
  std::optional<StoreLookup> answer = cache.answer("p:q:1", kGenerations, now);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->generations, (std::vector<std::uint64_t>{7, 0}));
  cache.invalidate("p:gen:t:shop.items");
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now)) << "a table's generation may not be";
}

TEST(NearCache, ATooLargeValueStillReplacesTheOlderCopy) {
  NearCache cache(options_of(300, milliseconds(5000)));
  const auto now = Clock::now();
  cache.tracking_up(now + kLease);
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("old", {1, 1}), kNoExpiry, now);
  ASSERT_TRUE(cache.answer("p:q:1", kGenerations, now));
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit(std::string(400, 'x'), {2, 1}), kNoExpiry,
               now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().bytes, 0u);
}

}  // namespace
}  // namespace sqlcache::cache
