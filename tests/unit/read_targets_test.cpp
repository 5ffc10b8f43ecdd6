// What a read's tables resolve to (TTL decision, generation keys), and the per-worker memo of
// it: the memo must answer exactly what resolving again would.
#include "proxy/read_targets.hpp"

#include <gtest/gtest.h>

namespace sqlcache::proxy {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const CachePolicy> policy_with(std::string prefix) {
  auto policy = std::make_shared<CachePolicy>();
  policy->key_prefix = std::move(prefix);
  policy->rules = config::TtlRules({config::TtlRule{"shop", "orders", 0ms, std::nullopt},
                                    config::TtlRule{"shop", "*", 2min, std::nullopt}},
                                   60s);
  return policy;
}

std::shared_ptr<const cache::Analysis> analysed(std::string_view sql) {
  return std::make_shared<const cache::Analysis>(cache::analyze(sql));
}

TEST(ReadTargets, KeysAreGlobalSchemasTablesThenTheWriteEpoch) {
  auto policy = policy_with("p:");
  auto targets = resolve_read_targets(*policy, "shop",
                                      analysed("SELECT * FROM a JOIN b JOIN other.c")->tables_read);
  ASSERT_NE(targets, nullptr);
  EXPECT_EQ(
      targets->generation_keys,
      (std::vector<std::string>{"p:gen:all", "p:gen:s:shop", "p:gen:s:other", "p:gen:t:shop.a",
                                "p:gen:t:shop.b", "p:gen:t:other.c", "p:gen:epoch"}));
  EXPECT_EQ(targets->decision.ttl, 60s);  // other.c: the default is the smallest
}

TEST(ReadTargets, TheRulesDecideTheTtl) {
  auto policy = policy_with("p:");
  auto products =
      resolve_read_targets(*policy, "shop", analysed("SELECT * FROM products")->tables_read);
  ASSERT_NE(products, nullptr);
  EXPECT_EQ(products->decision.ttl, 2min);
  EXPECT_EQ(products->decision.rule, &policy->rules.rules()[1]);
  auto orders =
      resolve_read_targets(*policy, "shop", analysed("SELECT * FROM orders")->tables_read);
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->decision.ttl, 0ms);
}

TEST(ReadTargets, AnUnqualifiedTableWithoutADefaultSchemaHasNoTargets) {
  auto policy = policy_with("p:");
  EXPECT_EQ(resolve_read_targets(*policy, "", analysed("SELECT * FROM t")->tables_read), nullptr);
  EXPECT_NE(resolve_read_targets(*policy, "", analysed("SELECT * FROM s.t")->tables_read), nullptr);
}

TEST(ReadTargetMemo, RemembersPerListOfTables) {
  auto policy = policy_with("p:");
  auto statement = analysed("SELECT * FROM t WHERE id = 1");
  ReadTargetMemo memo;
  auto first = memo.resolve(policy, "shop", statement->tables_read);
  auto second = memo.resolve(policy, "shop", statement->tables_read);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);  // the same object: nothing was built again
  // Another statement over the same tables, as resolved, shares it.
  EXPECT_EQ(
      memo.resolve(policy, "shop", analysed("SELECT c FROM shop.t WHERE id = 2")->tables_read),
      first);
  EXPECT_EQ(memo.size(), 1u);
  auto two = memo.resolve(policy, "shop", analysed("SELECT * FROM t JOIN u")->tables_read);
  ASSERT_NE(two, nullptr);
  EXPECT_NE(two, first);
  EXPECT_EQ(two->generation_keys,
            resolve_read_targets(*policy, "shop", analysed("SELECT * FROM t JOIN u")->tables_read)
                ->generation_keys);
  EXPECT_EQ(memo.size(), 2u);
}

TEST(ReadTargetMemo, TheSessionSchemaCountsOnlyForUnqualifiedTables) {
  auto policy = policy_with("p:");
  auto unqualified = analysed("SELECT * FROM t");
  auto qualified = analysed("SELECT * FROM shop.t");
  ReadTargetMemo memo;
  auto in_shop = memo.resolve(policy, "shop", unqualified->tables_read);
  auto in_other = memo.resolve(policy, "other", unqualified->tables_read);
  ASSERT_NE(in_shop, nullptr);
  ASSERT_NE(in_other, nullptr);
  EXPECT_EQ(in_shop->generation_keys[2], "p:gen:t:shop.t");
  EXPECT_EQ(in_other->generation_keys[2], "p:gen:t:other.t");
  EXPECT_EQ(memo.resolve(policy, "shop", unqualified->tables_read)->generation_keys[2],
            "p:gen:t:shop.t");
  EXPECT_EQ(memo.resolve(policy, "", unqualified->tables_read), nullptr);

  auto a = memo.resolve(policy, "shop", qualified->tables_read);
  EXPECT_EQ(memo.resolve(policy, "other", qualified->tables_read), a);
}

TEST(ReadTargetMemo, ANewPolicyIsResolvedAgain) {
  auto old_policy = policy_with("old:");
  auto new_policy = policy_with("new:");
  auto statement = analysed("SELECT * FROM t");
  ReadTargetMemo memo;
  EXPECT_EQ(memo.resolve(old_policy, "shop", statement->tables_read)->generation_keys.front(),
            "old:gen:all");
  EXPECT_EQ(memo.resolve(new_policy, "shop", statement->tables_read)->generation_keys.front(),
            "new:gen:all");
}

TEST(ReadTargetMemo, IsBounded) {
  auto policy = policy_with("p:");
  ReadTargetMemo memo;
  for (std::size_t i = 0; i < ReadTargetMemo::kMaxEntries + 10; ++i) {
    std::string table("t");
    table += std::to_string(i);
    auto statement = analysed("SELECT * FROM " + table);
    auto targets = memo.resolve(policy, "shop", statement->tables_read);
    ASSERT_NE(targets, nullptr);
    ASSERT_EQ(targets->tables.back().table, table);
    ASSERT_LE(memo.size(), ReadTargetMemo::kMaxEntries);
  }
}

TEST(ReadTargetMemo, LongListsOfTablesAreNotRemembered) {
  auto policy = policy_with("p:");
  std::string sql = "SELECT * FROM t0";
  for (std::size_t i = 1; i <= ReadTargetMemo::kMaxTables; ++i)
    sql += " JOIN t" + std::to_string(i);
  auto statement = analysed(sql);
  ASSERT_GT(statement->tables_read.size(), ReadTargetMemo::kMaxTables);
  ReadTargetMemo memo;
  auto targets = memo.resolve(policy, "shop", statement->tables_read);
  ASSERT_NE(targets, nullptr);
  EXPECT_EQ(targets->tables.size(), statement->tables_read.size());
  EXPECT_EQ(memo.size(), 0u);
}

}  // namespace
}  // namespace sqlcache::proxy
