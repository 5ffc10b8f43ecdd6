// When a write must read the schema catalog first, and what it follows meanwhile: never read,
// after DDL, after a read names something unknown, periodically (one writer), and not again
// for a while after a failure.
#include <gtest/gtest.h>

#include "proxy/dependency_tracker.hpp"

namespace sqlcache::proxy {
namespace {

using namespace std::chrono_literals;
using Clock = DependencyTracker::Clock;

cache::SchemaCatalog catalog_with_view() {
  cache::SchemaCatalog catalog;
  catalog.tables = {{"shop", "orders"}, {"shop", "open_orders"}};
  catalog.views.push_back({{"shop", "open_orders"}, "select `id` from `shop`.`orders`"});
  return catalog;
}

TEST(DependencyTracker, TheFirstWriteReadsTheCatalog) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  auto before = tracker.before_write("app", now, 60s);
  EXPECT_TRUE(before.load);
  EXPECT_EQ(before.current, nullptr);
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  before = tracker.before_write("app", now + 1s, 60s);
  EXPECT_FALSE(before.load);
  ASSERT_NE(before.current, nullptr);
  EXPECT_NE(before.current->effect_of_write("shop", "orders"), nullptr);
}

TEST(DependencyTracker, DdlMakesEveryWriteReadUntilOneRead) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  const std::uint64_t before_ddl = tracker.ddl_epoch();
  tracker.note_ddl();
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load);
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load) << "a second writer does not wait";
  // A read that started before the DDL does not count for it.
  tracker.loaded("app", catalog_with_view(), before_ddl, now);
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load);
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_FALSE(tracker.before_write("app", now, 60s).load);
}

TEST(DependencyTracker, AnOldCatalogIsReadAgainByOneWriter) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_FALSE(tracker.before_write("app", now + 59s, 60s).load);
  auto first = tracker.before_write("app", now + 61s, 60s);
  EXPECT_TRUE(first.load);
  EXPECT_NE(first.current, nullptr);
  EXPECT_FALSE(tracker.before_write("app", now + 61s, 60s).load) << "one re-read at a time";
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now + 62s);
  EXPECT_FALSE(tracker.before_write("app", now + 63s, 60s).load);
  EXPECT_FALSE(tracker.before_write("app", now + 1h, 0s).load) << "0: no periodic re-read";
}

// Without any catalog a result is not stored (the reader reads one first), unless reading one
// failed: then results are stored as before catalogs existed (writes invalidate everything).
TEST(DependencyTracker, ResultsAreStoredWithoutACatalogOnlyAfterReadingOneFailed) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  EXPECT_FALSE(tracker.note_read({{"shop", "orders"}}));
  tracker.failed(now);
  EXPECT_TRUE(tracker.note_read({{"shop", "orders"}}));
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_TRUE(tracker.note_read({{"shop", "orders"}}));
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}}));
  // Unqualified names are in the session's schema (a write's tables come so).
  EXPECT_TRUE(tracker.note_read({{"", "orders"}}, "shop"));
  EXPECT_FALSE(tracker.note_read({{"", "orders"}}, "crm"));
  EXPECT_TRUE(tracker.note_read({{"", "orders"}})) << "no schema at all: left out";
}

// A name a later catalog knows is no longer flagged, so it is noticed again if it disappears
// and comes back (and flagged names do not pile up to the cap).
TEST(DependencyTracker, ANameTheNextCatalogKnowsIsFlaggedAgainWhenItIsNewAgain) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}}));
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load);
  cache::SchemaCatalog with_new_view = catalog_with_view();
  with_new_view.tables.push_back({"shop", "new_view"});
  tracker.loaded("app", with_new_view, tracker.ddl_epoch(), now);
  EXPECT_TRUE(tracker.note_read({{"shop", "new_view"}}));
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);  // dropped again
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}}));
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load) << "flagged again: read again";
}

TEST(DependencyTracker, AFailureIsNotRetriedAtOnce) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.failed(now);
  auto before = tracker.before_write("app", now + 1s, 60s);
  EXPECT_FALSE(before.load);
  EXPECT_EQ(before.current, nullptr);
  EXPECT_TRUE(tracker.before_write("app", now + DependencyTracker::kRetryAfterFailure, 60s).load);
}

TEST(DependencyTracker, AReadOfAnUnknownNameMakesTheNextWriteReadOnce) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}}))
      << "nothing read yet: the reader reads the catalog before it stores";
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_TRUE(tracker.note_read({{"shop", "orders"}, {"shop", "open_orders"}}));
  EXPECT_FALSE(tracker.before_write("app", now, 60s).load) << "known names";
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}})) << "not to be stored";
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load);
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_FALSE(tracker.note_read({{"shop", "new_view"}}));
  EXPECT_FALSE(tracker.before_write("app", now, 60s).load)
      << "still unknown after a read (hidden, or gone): not again";
}

TEST(DependencyTracker, CatalogsOfDifferentUsersAreUnitedAndEachUsersLatestCounts) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  cache::SchemaCatalog cascade;
  cascade.tables = {{"shop", "customers"}, {"shop", "orders"}};
  cascade.foreign_keys.push_back({{"shop", "orders"}, {"shop", "customers"}, "CASCADE", "CASCADE"});
  tracker.loaded("admin", cascade, tracker.ddl_epoch(), now);
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  auto current = tracker.current();
  ASSERT_NE(current, nullptr);
  ASSERT_NE(current->effect_of_write("shop", "customers"), nullptr);
  EXPECT_EQ(current->effect_of_write("shop", "customers")->tables.size(), 2u)
      << "orders (admin's catalog) and open_orders (app's)";
  tracker.loaded("admin", cache::SchemaCatalog{}, tracker.ddl_epoch(), now);
  current = tracker.current();
  EXPECT_EQ(current->effect_of_write("shop", "customers"), nullptr)
      << "admin's newer catalog has no foreign key";
}

TEST(DependencyTracker, EachUsersWriteReadsItsOwnCatalogAfterDdl) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_TRUE(tracker.before_write("report", now, 60s).load) << "never read as this user";
  tracker.loaded("report", catalog_with_view(), tracker.ddl_epoch(), now);
  tracker.note_ddl();
  EXPECT_TRUE(tracker.before_write("app", now, 60s).load);
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_FALSE(tracker.before_write("app", now, 60s).load);
  EXPECT_TRUE(tracker.before_write("report", now, 60s).load)
      << "what the DDL made may be visible to this user only";
}

TEST(DependencyTracker, AnOlderReadDoesNotReplaceANewerOneOfTheSameUser) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  const std::uint64_t before_ddl = tracker.ddl_epoch();
  tracker.note_ddl();
  cache::SchemaCatalog newer = catalog_with_view();
  newer.tables.push_back({"shop", "lines"});
  newer.foreign_keys.push_back({{"shop", "lines"}, {"shop", "orders"}, "RESTRICT", "CASCADE"});
  tracker.loaded("app", newer, tracker.ddl_epoch(), now);
  tracker.loaded("app", catalog_with_view(), before_ddl, now);  // started first, ended last
  const auto current = tracker.current();
  ASSERT_NE(current, nullptr);
  EXPECT_TRUE(current->knows("shop", "lines"));
  EXPECT_FALSE(tracker.before_write("app", now, 60s).load);
}

TEST(DependencyTracker, AClaimedRefreshThatIsAbandonedCanBeClaimedAgain) {
  DependencyTracker tracker;
  const auto now = Clock::now();
  tracker.loaded("app", catalog_with_view(), tracker.ddl_epoch(), now);
  EXPECT_TRUE(tracker.before_write("app", now + 61s, 60s).load);
  EXPECT_FALSE(tracker.before_write("app", now + 61s, 60s).load);
  tracker.abandoned();
  EXPECT_TRUE(tracker.before_write("app", now + 61s, 60s).load);
}

}  // namespace
}  // namespace sqlcache::proxy
