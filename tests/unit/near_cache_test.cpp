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
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  std::optional<StoreLookup> answer = cache.answer("p:q:1", kGenerations, now);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, LookupStatus::Hit);
  EXPECT_EQ(answer->bytes(), "rows");
  EXPECT_EQ(answer->generations, (std::vector<std::uint64_t>{7, 3}));
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST(NearCache, AnswersNothingWithoutTracking) {
  NearCache cache(NearCacheOptions{});
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  cache.tracking_up();
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now)) << "recorded while down";
}

TEST(NearCache, TrackingDownForgetsEverything) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  cache.tracking_down();
  cache.tracking_up();
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, AnInvalidatedGenerationIsNoLongerKnown) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  cache.invalidate("p:gen:t:shop.items");
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  // The next lookup from Redis brings the new value, and the entry answers again.
  cache.record(cache.ticket(), "p:q:1", kGenerations, miss({8, 3}), now);
  std::optional<StoreLookup> answer = cache.answer("p:q:1", kGenerations, now);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->generations, (std::vector<std::uint64_t>{8, 3}))
      << "the caller compares these with the entry's and sees it is stale";
}

TEST(NearCache, AReadThatRacedAnInvalidationIsNotRecorded) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  const NearCache::Ticket ticket = cache.ticket();
  // The invalidation arrives before the reply of a read sent earlier: that reply may hold the
  // old value.
  cache.invalidate("p:gen:t:shop.items");
  cache.record(ticket, "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, AFlushForgetsEverything) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  cache.invalidate_all();
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, NeedsEveryGenerationOfTheLookup) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  const std::vector<std::string> more = {"p:gen:t:shop.items", "p:gen:t:shop.orders",
                                         "p:gen:epoch"};
  EXPECT_FALSE(cache.answer("p:q:1", more, now));
}

TEST(NearCache, AnEntryLivesAtMostTheTtl) {
  NearCache cache(NearCacheOptions{1 << 20, milliseconds(500)});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("rows", {7, 3}), now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(499)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(500)));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(NearCache, APutLivesAtMostItsOwnTtl) {
  NearCache cache(NearCacheOptions{1 << 20, milliseconds(5000)});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:0", kGenerations, miss({7, 3}), now);
  cache.record_put("p:q:1", std::make_shared<const std::string>("rows"), milliseconds(100), now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now + milliseconds(99)));
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now + milliseconds(100)));
}

TEST(NearCache, AMissRecordsGenerationsButNoEntry) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, miss({7, 3}), now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().generations, 2u);
}

TEST(NearCache, AFailedLookupRecordsNothing) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  cache.record(cache.ticket(), "p:q:1", kGenerations, StoreLookup{}, Clock::now());
  EXPECT_EQ(cache.stats().generations, 0u);
}

TEST(NearCache, EvictsTheLeastRecentlyUsedToStayWithinItsLimit) {
  const std::string value(1000, 'x');
  // Room for two entries of this size, not three.
  NearCache cache(
      NearCacheOptions{2 * (1000 + 5 + NearCache::kEntryOverhead) + 10, milliseconds(5000)});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit(value, {1, 1}), now);
  cache.record(cache.ticket(), "p:q:2", kGenerations, hit(value, {1, 1}), now);
  ASSERT_TRUE(cache.answer("p:q:1", kGenerations, now));  // 1 is now the most recent
  cache.record(cache.ticket(), "p:q:3", kGenerations, hit(value, {1, 1}), now);
  EXPECT_TRUE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_FALSE(cache.answer("p:q:2", kGenerations, now));
  EXPECT_TRUE(cache.answer("p:q:3", kGenerations, now));
  EXPECT_LE(cache.stats().bytes, 2u * (1000 + 5 + NearCache::kEntryOverhead) + 10);
}

TEST(NearCache, AValueLargerThanTheLimitIsNotKept) {
  NearCache cache(NearCacheOptions{100, milliseconds(5000)});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit(std::string(200, 'x'), {1, 1}), now);
  EXPECT_FALSE(cache.answer("p:q:1", kGenerations, now));
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(NearCache, ReplacingAnEntryKeepsTheByteCountExact) {
  NearCache cache(NearCacheOptions{});
  cache.tracking_up();
  const auto now = Clock::now();
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("aaaa", {1, 1}), now);
  cache.record(cache.ticket(), "p:q:1", kGenerations, hit("bb", {1, 1}), now);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, 5u + 2u + NearCache::kEntryOverhead);
  EXPECT_EQ(cache.answer("p:q:1", kGenerations, now)->bytes(), "bb");
}

}  // namespace
}  // namespace sqlcache::cache
