#pragma once
// What the database says about the objects that make a write change more than the table it
// names: views, foreign keys whose actions change the child rows, triggers. Read by the proxy
// with one query through a client's own session (the proxy holds no credentials), so it holds
// what that client's user may see. docs/caching.md, "Writes the database makes on its own".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/sql_table_name.hpp"

namespace sqlcache::cache {

struct SchemaCatalog {
  struct View {
    TableName name;
    std::string definition;  // empty when the user may not see it (no SHOW VIEW privilege)
  };
  struct ForeignKey {
    TableName child;
    TableName parent;
    std::string update_rule;  // CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION
    std::string delete_rule;
  };
  struct Trigger {
    TableName table;   // the table whose writes fire it
    std::string body;  // empty when the user may not see it (no TRIGGER privilege)
    std::string name;
  };
  std::vector<TableName> tables;  // base tables and views, outside the system schemas
  std::vector<View> views;
  std::vector<ForeignKey> foreign_keys;
  std::vector<Trigger> triggers;
};

// One statement (no multi-statement capability needed) whose rows catalog_from_rows() reads.
// It is written to mean the same under any sql_mode, character set and sql_select_limit a
// session may have set.
std::string_view catalog_query();

// nullopt when a row is not one the query produces.
std::optional<SchemaCatalog> catalog_from_rows(
    const std::vector<std::vector<std::optional<std::string>>>& rows);

}  // namespace sqlcache::cache
