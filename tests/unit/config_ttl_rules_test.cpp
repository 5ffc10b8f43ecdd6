#include <gtest/gtest.h>

#include "config/ttl_rules.hpp"

namespace sqlcache::config {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TtlRule rule(std::string schema, std::string table, milliseconds ttl,
             std::optional<bool> share = std::nullopt) {
  return TtlRule{std::move(schema), std::move(table), ttl, share};
}

// The rules of the example configuration, plus one of each kind that overlaps another.
TtlRules example_rules() {
  return TtlRules(
      {
          rule("shop", "products", 10min),
          rule("shop", "orders", 0ms),
          rule("analytics", "*", 1h, true),
          rule("*", "sessions", 5s),
          rule("shop", "*", 2min),
          rule("analytics", "raw_events", 30s),
          rule("*", "products", 7s),
      },
      60s);
}

TEST(TtlRules, ExactTableRuleBeatsSchemaWildcard) {
  TtlRules rules = example_rules();
  EXPECT_EQ(rules.decide("shop", "products").ttl, 10min);
  EXPECT_EQ(rules.decide("analytics", "raw_events").ttl, 30s);
}

TEST(TtlRules, SchemaWildcardBeatsTableWildcard) {
  TtlRules rules(
      {
          rule("*", "sessions", 5s),
          rule("shop", "*", 2min),
      },
      60s);
  EXPECT_EQ(rules.decide("shop", "sessions").ttl, 2min);
  EXPECT_EQ(rules.decide("blog", "sessions").ttl, 5s);
}

TEST(TtlRules, TableWildcardBeatsTheDefault) {
  TtlRules rules = example_rules();
  EXPECT_EQ(rules.decide("blog", "products").ttl, 7s);
  EXPECT_EQ(rules.decide("blog", "sessions").ttl, 5s);
}

TEST(TtlRules, UnmatchedTablesGetTheDefault) {
  TtlRules rules = example_rules();
  TtlDecision decision = rules.decide("blog", "posts");
  EXPECT_EQ(decision.ttl, 60s);
  EXPECT_EQ(decision.rule, nullptr);
  EXPECT_FALSE(decision.share_across_users);
}

TEST(TtlRules, DecisionNamesTheRuleThatMatched) {
  TtlRules rules = example_rules();
  const TtlRule* matched = rules.decide("shop", "customers").rule;
  ASSERT_NE(matched, nullptr);
  EXPECT_EQ(matched->match(), "shop.*");
}

TEST(TtlRules, ZeroTtlMeansNeverCache) {
  TtlRules rules = example_rules();
  EXPECT_FALSE(rules.decide("shop", "orders").cacheable());
  EXPECT_TRUE(rules.decide("shop", "products").cacheable());
}

TEST(TtlRules, NamesMatchCaseSensitively) {
  TtlRules rules = example_rules();
  EXPECT_EQ(rules.decide("Shop", "products").ttl, 7s);  // only *.products matches
  EXPECT_EQ(rules.decide("shop", "Orders").ttl, 2min);  // shop.* but not shop.orders
  EXPECT_EQ(rules.decide("SHOP", "ORDERS").ttl, 60s);
}

TEST(TtlRules, WildcardIsNotAPrefixMatch) {
  TtlRules rules = example_rules();
  EXPECT_EQ(rules.decide("shopping", "carts").ttl, 60s);
  EXPECT_EQ(rules.decide("blog", "sessions_old").ttl, 60s);
}

TEST(TtlRules, SeveralTablesTakeTheSmallestTtl) {
  TtlRules rules = example_rules();
  const TableName tables[] = {{"shop", "products"}, {"blog", "sessions"}, {"blog", "posts"}};
  TtlDecision decision = rules.decide(tables);
  EXPECT_EQ(decision.ttl, 5s);
  ASSERT_NE(decision.rule, nullptr);
  EXPECT_EQ(decision.rule->match(), "*.sessions");
  EXPECT_EQ(rules.ttl_for(tables), 5s);
}

TEST(TtlRules, AnyNeverCachedTableMakesTheQueryUncacheable) {
  TtlRules rules = example_rules();
  const TableName tables[] = {{"shop", "products"}, {"shop", "orders"}};
  EXPECT_EQ(rules.ttl_for(tables), 0ms);
  EXPECT_FALSE(rules.decide(tables).cacheable());
}

TEST(TtlRules, QueryWithoutTablesGetsTheDefaults) {
  TtlRules rules(std::vector<TtlRule>{}, 42s, true);
  TtlDecision decision = rules.decide(std::span<const TableName>());
  EXPECT_EQ(decision.ttl, 42s);
  EXPECT_TRUE(decision.share_across_users);
}

TEST(TtlRules, SharedOnlyIfEveryTableAllowsIt) {
  TtlRules rules = example_rules();
  const TableName analytics_only[] = {{"analytics", "events"}, {"analytics", "raw_events"}};
  // analytics.raw_events has its own rule without share_across_users: the default (false).
  EXPECT_FALSE(rules.shareable_across_users(analytics_only));
  const TableName shared[] = {{"analytics", "events"}, {"analytics", "daily"}};
  EXPECT_TRUE(rules.shareable_across_users(shared));
  const TableName mixed[] = {{"analytics", "events"}, {"shop", "products"}};
  EXPECT_FALSE(rules.shareable_across_users(mixed));
}

TEST(TtlRules, RuleCanRefuseSharingThatTheDefaultAllows) {
  TtlRules rules({rule("hr", "salaries", 1min, false)}, 60s,
                 /*share_across_users_by_default=*/true);
  EXPECT_TRUE(rules.decide("shop", "products").share_across_users);
  EXPECT_FALSE(rules.decide("hr", "salaries").share_across_users);
  const TableName join[] = {{"shop", "products"}, {"hr", "salaries"}};
  EXPECT_FALSE(rules.shareable_across_users(join));
}

TEST(TtlRules, RuleWithoutShareSettingFollowsTheDefault) {
  TtlRules sharing({rule("shop", "products", 1min)}, 60s, true);
  EXPECT_TRUE(sharing.decide("shop", "products").share_across_users);
  TtlRules private_results({rule("shop", "products", 1min)}, 60s, false);
  EXPECT_FALSE(private_results.decide("shop", "products").share_across_users);
}

TEST(TtlRules, DefaultTtlZeroCachesOnlyTablesWithARule) {
  TtlRules rules({rule("shop", "products", 1min)}, 0ms);
  EXPECT_TRUE(rules.decide("shop", "products").cacheable());
  EXPECT_FALSE(rules.decide("shop", "orders").cacheable());
}

TEST(TtlRules, FirstOfTwoIdenticalMatchesWins) {
  TtlRules rules({rule("shop", "products", 1min), rule("shop", "products", 2min),
                  rule("shop", "*", 3min), rule("shop", "*", 4min)},
                 60s);
  EXPECT_EQ(rules.decide("shop", "products").ttl, 1min);
  EXPECT_EQ(rules.decide("shop", "other").ttl, 3min);
}

TEST(TtlRules, CopiesDecideWithTheirOwnRules) {
  std::optional<TtlRules> original = example_rules();
  TtlRules copy = *original;
  TtlRules assigned;
  assigned = *original;
  original.reset();  // a dangling index would now read freed memory (ASan) or give wrong answers
  for (const TtlRules* rules : {&copy, &assigned}) {
    TtlDecision decision = rules->decide("shop", "products");
    EXPECT_EQ(decision.ttl, 10min);
    ASSERT_NE(decision.rule, nullptr);
    EXPECT_EQ(decision.rule, &rules->rules()[0]);
  }
}

TEST(TtlRules, MovesKeepTheIndex) {
  TtlRules source = example_rules();
  TtlRules moved = std::move(source);
  EXPECT_EQ(moved.decide("analytics", "x").ttl, 1h);
  EXPECT_EQ(moved.decide("analytics", "x").rule, &moved.rules()[2]);
}

TEST(TableMatch, ReadsTheThreeForms) {
  auto exact = parse_table_match("shop.products");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->schema, "shop");
  EXPECT_EQ(exact->table, "products");
  auto schema = parse_table_match("analytics.*");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->table, "*");
  auto table = parse_table_match("*.sessions");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->schema, "*");
  EXPECT_TRUE(parse_table_match("my-db.table$1").ok());
}

TEST(TableMatch, RejectsOtherShapes) {
  struct Case {
    const char* match;
    const char* error;
  };
  const Case cases[] = {
      {"products", "must name a table as db.table, db.* or *.table"},
      {"", "must name a table as db.table, db.* or *.table"},
      {"a.b.c", "has more than one '.'; expected db.table, db.* or *.table"},
      {".products", "has an empty name before or after '.'"},
      {"shop.", "has an empty name before or after '.'"},
      {"*.*", "\"*.*\" matches every table: set cache.default_ttl instead"},
      {"shop.prod*", "uses '*' inside a name; '*' must stand alone, as in \"db.*\""},
      {"sh*p.products", "uses '*' inside a name; '*' must stand alone, as in \"db.*\""},
      {"`shop`.products", "uses backquotes; write names without them, as in shop.products"},
      {"shop. products", "contains whitespace"},
  };
  for (const Case& c : cases) {
    auto parsed = parse_table_match(c.match);
    ASSERT_FALSE(parsed.ok()) << c.match;
    EXPECT_EQ(parsed.error(), c.error) << c.match;
  }
}

}  // namespace
}  // namespace sqlcache::config
