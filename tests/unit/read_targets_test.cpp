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

TEST(ReadTargetMemo, RemembersPerStatement) {
  auto policy = policy_with("p:");
  auto statement = analysed("SELECT * FROM t WHERE id = 1");
  ReadTargetMemo memo;
  auto first = memo.resolve(policy, "shop", statement);
  auto second = memo.resolve(policy, "shop", statement);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);  // the same object: nothing was built again
  EXPECT_EQ(memo.size(), 1u);
}

TEST(ReadTargetMemo, TheSessionSchemaCountsOnlyForUnqualifiedTables) {
  auto policy = policy_with("p:");
  auto unqualified = analysed("SELECT * FROM t");
  auto qualified = analysed("SELECT * FROM shop.t");
  ReadTargetMemo memo;
  auto in_shop = memo.resolve(policy, "shop", unqualified);
  auto in_other = memo.resolve(policy, "other", unqualified);
  ASSERT_NE(in_shop, nullptr);
  ASSERT_NE(in_other, nullptr);
  EXPECT_EQ(in_shop->generation_keys[2], "p:gen:t:shop.t");
  EXPECT_EQ(in_other->generation_keys[2], "p:gen:t:other.t");
  EXPECT_EQ(memo.resolve(policy, "shop", unqualified)->generation_keys[2], "p:gen:t:shop.t");
  EXPECT_EQ(memo.resolve(policy, "", unqualified), nullptr);

  auto a = memo.resolve(policy, "shop", qualified);
  EXPECT_EQ(memo.resolve(policy, "other", qualified), a);
}

TEST(ReadTargetMemo, ANewPolicyIsResolvedAgain) {
  auto old_policy = policy_with("old:");
  auto new_policy = policy_with("new:");
  auto statement = analysed("SELECT * FROM t");
  ReadTargetMemo memo;
  EXPECT_EQ(memo.resolve(old_policy, "shop", statement)->generation_keys.front(), "old:gen:all");
  EXPECT_EQ(memo.resolve(new_policy, "shop", statement)->generation_keys.front(), "new:gen:all");
}

TEST(ReadTargetMemo, IsBounded) {
  auto policy = policy_with("p:");
  ReadTargetMemo memo;
  std::vector<std::shared_ptr<const cache::Analysis>> statements;
  for (std::size_t i = 0; i < ReadTargetMemo::kMaxEntries + 10; ++i) {
    statements.push_back(analysed("SELECT * FROM t" + std::to_string(i)));
    ASSERT_NE(memo.resolve(policy, "shop", statements.back()), nullptr);
    ASSERT_LE(memo.size(), ReadTargetMemo::kMaxEntries);
  }
}

TEST(ReadTargetMemo, LongStatementsAreNotRemembered) {
  auto policy = policy_with("p:");
  std::string sql = "SELECT c";
  for (int i = 0; sql.size() <= ReadTargetMemo::kMaxStatementSize; ++i) {
    sql += std::to_string(i) + ", c";
  }
  sql += "x FROM t";
  auto statement = analysed(sql);
  ASSERT_GT(statement->normalized.size(), ReadTargetMemo::kMaxStatementSize);
  ReadTargetMemo memo;
  auto targets = memo.resolve(policy, "shop", statement);
  ASSERT_NE(targets, nullptr);
  EXPECT_EQ(targets->generation_keys[2], "p:gen:t:shop.t");
  EXPECT_EQ(memo.size(), 0u);
}

}  // namespace
}  // namespace sqlcache::proxy
