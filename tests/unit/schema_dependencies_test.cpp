// What a write changes besides the table it names, built from catalogs like the database's:
// views (both directions), foreign key actions, triggers, transitively; and the catalog rows.
#include <gtest/gtest.h>

#include <array>

#include "cache/schema_catalog.hpp"
#include "cache/schema_dependencies.hpp"

namespace sqlcache::cache {
namespace {

TableName t(std::string schema, std::string table) { return {std::move(schema), std::move(table)}; }

std::vector<TableName> effect(const SchemaDependencies& dependencies, std::string_view schema,
                              std::string_view table) {
  const auto* found = dependencies.effect_of_write(schema, table);
  return found == nullptr ? std::vector<TableName>{} : found->tables;
}

SchemaDependencies build(const SchemaCatalog& catalog) {
  std::array<const SchemaCatalog*, 1> catalogs{&catalog};
  return SchemaDependencies::build(catalogs);
}

// The shop of docs/caching.md: orders cascade to order_lines, a trigger on order_lines keeps
// stock, views over orders and over a view.
SchemaCatalog shop() {
  SchemaCatalog catalog;
  for (const char* name : {"customers", "orders", "order_lines", "stock", "audit", "open_orders",
                           "big_open_orders", "notes"}) {
    catalog.tables.push_back(t("shop", name));
  }
  catalog.tables.push_back(t("crm", "contacts"));
  catalog.views.push_back(
      {t("shop", "open_orders"),
       "select `o`.`id` AS `id` from (`shop`.`orders` `o` join `shop`.`customers` `c` "
       "on(`c`.`id` = `o`.`customer_id`)) where `o`.`open` = 1"});
  catalog.views.push_back({t("shop", "big_open_orders"),
                           "select `open_orders`.`id` AS `id` from `shop`.`open_orders`"});
  catalog.foreign_keys.push_back(
      {t("shop", "order_lines"), t("shop", "orders"), "RESTRICT", "CASCADE"});
  catalog.foreign_keys.push_back(
      {t("shop", "orders"), t("shop", "customers"), "RESTRICT", "RESTRICT"});
  catalog.foreign_keys.push_back(
      {t("crm", "contacts"), t("shop", "customers"), "SET NULL", "NO ACTION"});
  catalog.triggers.push_back(
      {t("shop", "order_lines"),
       "BEGIN UPDATE stock SET qty = qty - NEW.qty WHERE sku = NEW.sku; "
       "INSERT INTO `shop`.`audit` VALUES ('order_lines changed', 'notes'); END",
       "order_lines_au"});
  return catalog;
}

TEST(SchemaDependencies, ForeignKeyCascadeChangesTheChildAndWhatTheChildsTriggerNames) {
  const auto dependencies = build(shop());
  // orders -> order_lines (ON DELETE CASCADE) -> stock, audit (trigger); views over orders.
  EXPECT_EQ(effect(dependencies, "shop", "orders"),
            (std::vector<TableName>{t("shop", "audit"), t("shop", "big_open_orders"),
                                    t("shop", "open_orders"), t("shop", "order_lines"),
                                    t("shop", "stock")}));
}

TEST(SchemaDependencies, RestrictAndNoActionChangeNothingButSetNullDoes) {
  const auto dependencies = build(shop());
  // customers -> orders is RESTRICT both ways: not followed. crm.contacts is SET NULL on update.
  EXPECT_EQ(effect(dependencies, "shop", "customers"),
            (std::vector<TableName>{t("crm", "contacts"), t("shop", "big_open_orders"),
                                    t("shop", "open_orders")}));
}

TEST(SchemaDependencies, TriggerBodyNamesCountButStringsAndColumnsOfOtherNamesDoNot) {
  const auto dependencies = build(shop());
  // 'notes' is in a string; qty and sku are not tables.
  EXPECT_EQ(effect(dependencies, "shop", "order_lines"),
            (std::vector<TableName>{t("shop", "audit"), t("shop", "stock")}));
}

TEST(SchemaDependencies, WritingThroughAViewChangesItsBaseTablesAndTheirDependents) {
  const auto dependencies = build(shop());
  const auto through_view = effect(dependencies, "shop", "big_open_orders");
  for (const auto& expected :
       {t("shop", "open_orders"), t("shop", "orders"), t("shop", "customers"),
        t("shop", "order_lines"), t("shop", "stock"), t("crm", "contacts")}) {
    EXPECT_NE(std::find(through_view.begin(), through_view.end(), expected), through_view.end())
        << expected.schema << "." << expected.table;
  }
}

TEST(SchemaDependencies, AViewOverAChangedTableDoesNotSpreadToItsOtherBaseTables) {
  const auto dependencies = build(shop());
  // Writing customers changes open_orders (a view over customers and orders), not orders.
  const auto changed = effect(dependencies, "shop", "customers");
  EXPECT_EQ(std::find(changed.begin(), changed.end(), t("shop", "orders")), changed.end());
}

// A view's rows can change without a write when its definition calls NOW() and the like:
// reads of it (and of views over it) are not stored. As MariaDB stores the definitions.
TEST(SchemaDependencies, ViewsOverNonDeterministicFunctionsOrSystemSchemasAreVolatile) {
  SchemaCatalog catalog = shop();
  catalog.tables.push_back(t("shop", "sessions"));
  catalog.views.push_back({t("shop", "active_sessions"),
                           "select `shop`.`sessions`.`id` AS `id` from `shop`.`sessions` where "
                           "`shop`.`sessions`.`expires` > current_timestamp(3)"});
  catalog.views.push_back(
      {t("shop", "active_session_count"), "select count(0) AS `n` from `shop`.`active_sessions`"});
  catalog.views.push_back({t("shop", "lucky"),
                           "select `shop`.`orders`.`id` AS `id` from `shop`.`orders` order by "
                           "rand() limit 1"});
  catalog.views.push_back({t("shop", "connections"),
                           "select `information_schema`.`PROCESSLIST`.`ID` AS `id` from "
                           "`information_schema`.`PROCESSLIST`"});
  // SHOW VIEW not granted: taken to be deterministic (docs/caching.md, "Views").
  catalog.views.push_back({t("shop", "secret"), ""});
  catalog.views.push_back({t("shop", "constants"), "select 1 AS `one`"});
  // Each user their own rows: cached per user like any read, not volatile.
  catalog.views.push_back({t("shop", "my_orders"),
                           "select `shop`.`orders`.`id` AS `id` from `shop`.`orders` where "
                           "`shop`.`orders`.`owner` = substring_index(current_user(),'@',1) or "
                           "`shop`.`orders`.`owner` = user()"});
  // The active role is not in the key: volatile.
  catalog.views.push_back({t("shop", "my_role_orders"),
                           "select `shop`.`orders`.`id` AS `id` from `shop`.`orders` where "
                           "`shop`.`orders`.`role` = current_role()"});
  const auto dependencies = build(catalog);
  for (const char* view :
       {"active_sessions", "active_session_count", "lucky", "connections", "my_role_orders"}) {
    const std::array<TableName, 1> read{t("shop", view)};
    EXPECT_TRUE(dependencies.reads_volatile_view(read)) << view;
  }
  for (const char* stable :
       {"open_orders", "big_open_orders", "orders", "constants", "secret", "my_orders"}) {
    const std::array<TableName, 1> read{t("shop", stable)};
    EXPECT_FALSE(dependencies.reads_volatile_view(read)) << stable;
  }
  const std::array<TableName, 2> join{t("shop", "orders"), t("shop", "active_sessions")};
  EXPECT_TRUE(dependencies.reads_volatile_view(join));
}

TEST(SchemaDependencies, TablesWithoutDependentsHaveNoEffect) {
  const auto dependencies = build(shop());
  EXPECT_EQ(dependencies.effect_of_write("shop", "audit"), nullptr);
  EXPECT_EQ(dependencies.effect_of_write("shop", "nonexistent"), nullptr);
  EXPECT_EQ(dependencies.effect_of_write("other", "orders"), nullptr);
}

TEST(SchemaDependencies, ATriggerThatCallsAProcedureMayChangeEverything) {
  SchemaCatalog catalog = shop();
  catalog.triggers.push_back({t("shop", "notes"), "CALL shop.recount()", "notes_ai"});
  const auto dependencies = build(catalog);
  const auto* notes = dependencies.effect_of_write("shop", "notes");
  ASSERT_NE(notes, nullptr);
  EXPECT_TRUE(notes->everything);
  EXPECT_FALSE(dependencies.effect_of_write("shop", "orders")->everything);
}

TEST(SchemaDependencies, ATriggerWhoseBodyIsHiddenMayChangeEverything) {
  SchemaCatalog catalog = shop();
  catalog.triggers.push_back({t("shop", "notes"), "", "notes_ai"});
  const auto dependencies = build(catalog);
  ASSERT_NE(dependencies.effect_of_write("shop", "notes"), nullptr);
  EXPECT_TRUE(dependencies.effect_of_write("shop", "notes")->everything);
}

TEST(SchemaDependencies, AnotherUsersCatalogWithTheTextWinsOverAHiddenOne) {
  SchemaCatalog hidden = shop();
  for (auto& trigger : hidden.triggers) trigger.body.clear();
  for (auto& view : hidden.views) view.definition.clear();
  const SchemaCatalog visible = shop();
  std::array<const SchemaCatalog*, 2> both{&hidden, &visible};
  const auto dependencies = SchemaDependencies::build(both);
  EXPECT_FALSE(dependencies.effect_of_write("shop", "order_lines")->everything);
  EXPECT_FALSE(dependencies.effect_of_write("shop", "big_open_orders")->everything);
  EXPECT_EQ(effect(dependencies, "shop", "orders"), effect(build(visible), "shop", "orders"));
}

TEST(SchemaDependencies, AViewWithAHiddenDefinitionIsOverEveryTable) {
  SchemaCatalog catalog = shop();
  catalog.tables.push_back(t("shop", "secret_view"));
  catalog.views.push_back({t("shop", "secret_view"), ""});
  const auto dependencies = build(catalog);
  const auto audit = effect(dependencies, "shop", "audit");
  EXPECT_EQ(audit, std::vector<TableName>{t("shop", "secret_view")});
  EXPECT_EQ(effect(dependencies, "crm", "contacts"),
            std::vector<TableName>{t("shop", "secret_view")})
      << "in any schema";
  EXPECT_TRUE(dependencies.effect_of_write("shop", "secret_view")->everything);
}

TEST(SchemaDependencies, CatalogsOfSeveralUsersAreUnited) {
  SchemaCatalog first;
  first.tables = {t("a", "parent"), t("a", "child")};
  first.foreign_keys.push_back({t("a", "child"), t("a", "parent"), "CASCADE", "CASCADE"});
  SchemaCatalog second;
  second.tables = {t("a", "parent"), t("a", "v")};
  second.views.push_back({t("a", "v"), "select `a`.`parent`.`id` AS `id` from `a`.`parent`"});
  std::array<const SchemaCatalog*, 2> both{&first, &second};
  const auto dependencies = SchemaDependencies::build(both);
  EXPECT_EQ(effect(dependencies, "a", "parent"),
            (std::vector<TableName>{t("a", "child"), t("a", "v")}));
}

TEST(SchemaDependencies, CyclesEnd) {
  SchemaCatalog catalog;
  catalog.tables = {t("a", "x"), t("a", "y")};
  catalog.triggers.push_back({t("a", "x"), "UPDATE y SET n = n + 1", "x_ai"});
  catalog.triggers.push_back({t("a", "y"), "UPDATE x SET n = n + 1", "y_ai"});
  const auto dependencies = build(catalog);
  EXPECT_EQ(effect(dependencies, "a", "x"), std::vector<TableName>{t("a", "y")});
  EXPECT_EQ(effect(dependencies, "a", "y"), std::vector<TableName>{t("a", "x")});
}

TEST(SchemaDependencies, NamesAreCaseSensitiveLikeTheServerWithLowerCaseTableNamesZero) {
  const auto dependencies = build(shop());
  EXPECT_EQ(dependencies.effect_of_write("shop", "Orders"), nullptr);
}

TEST(SchemaCatalog, RowsOfEachKindAreRead) {
  using Row = std::vector<std::optional<std::string>>;
  const std::vector<Row> rows = {
      {"T", "shop", "orders", std::nullopt, std::nullopt, std::nullopt},
      {"V", "shop", "v", "select 1", std::nullopt, std::nullopt},
      {"V", "shop", "hidden", std::nullopt, std::nullopt, std::nullopt},
      {"F", "shop", "lines", "shop", "orders", "RESTRICT/SET NULL"},
      {"G", "shop", "orders", "UPDATE x SET y = 1", "orders_ai", std::nullopt},
      {"G", "shop", "orders", std::nullopt, "orders_bi", std::nullopt},
  };
  auto catalog = catalog_from_rows(rows);
  ASSERT_TRUE(catalog);
  EXPECT_EQ(catalog->tables, std::vector<TableName>{t("shop", "orders")});
  ASSERT_EQ(catalog->views.size(), 2u);
  EXPECT_EQ(catalog->views[1].definition, "");
  ASSERT_EQ(catalog->foreign_keys.size(), 1u);
  EXPECT_EQ(catalog->foreign_keys[0].parent, t("shop", "orders"));
  EXPECT_EQ(catalog->foreign_keys[0].update_rule, "RESTRICT");
  EXPECT_EQ(catalog->foreign_keys[0].delete_rule, "SET NULL");
  ASSERT_EQ(catalog->triggers.size(), 2u);
  EXPECT_EQ(catalog->triggers[0].body, "UPDATE x SET y = 1");
  EXPECT_EQ(catalog->triggers[0].name, "orders_ai");
  EXPECT_EQ(catalog->triggers[1].body, "") << "hidden from the user";
}

TEST(SchemaCatalog, RowsItDoesNotProduceAreRefused) {
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_FALSE(catalog_from_rows({Row{"X", "a", "b", std::nullopt, std::nullopt, std::nullopt}}));
  EXPECT_FALSE(catalog_from_rows({Row{"T", "a", "b"}}));
  EXPECT_FALSE(catalog_from_rows({Row{"F", "a", "b", "a", "c", "CASCADE"}}));
  EXPECT_FALSE(
      catalog_from_rows({Row{"T", std::nullopt, "b", std::nullopt, std::nullopt, std::nullopt}}));
  EXPECT_TRUE(catalog_from_rows({}));
}

TEST(SchemaCatalog, TheQueryNamesNoSystemSchemaObjectsAndHasItsOwnLimit) {
  const std::string_view query = catalog_query();
  EXPECT_NE(query.find("LIMIT 18446744073709551615"), std::string_view::npos);
  EXPECT_EQ(query.find('"'), std::string_view::npos);   // ANSI_QUOTES would make it a name
  EXPECT_EQ(query.find("||"), std::string_view::npos);  // PIPES_AS_CONCAT
}

}  // namespace
}  // namespace sqlcache::cache
