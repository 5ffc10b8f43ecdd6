#include "cache/schema_catalog.hpp"

namespace sqlcache::cache {

namespace {

// Six columns in every part: a tag, then what the tag says. The explicit LIMIT keeps a
// session's sql_select_limit from cutting the catalog short; single quotes are strings under
// ANSI_QUOTES too.
constexpr std::string_view kCatalogQuery =
    "SELECT 'T', TABLE_SCHEMA, TABLE_NAME, NULL, NULL, NULL FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')"
    " UNION ALL"
    " SELECT 'V', TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, NULL, NULL"
    " FROM information_schema.VIEWS"
    " WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')"
    " UNION ALL"
    " SELECT 'F', CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME,"
    " CONCAT(UPDATE_RULE, '/', DELETE_RULE) FROM information_schema.REFERENTIAL_CONSTRAINTS"
    " UNION ALL"
    " SELECT 'G', EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, ACTION_STATEMENT, TRIGGER_NAME, NULL"
    " FROM information_schema.TRIGGERS"
    " WHERE EVENT_OBJECT_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema',"
    " 'sys')"
    " LIMIT 18446744073709551615";

constexpr std::size_t kColumns = 6;

}  // namespace

std::string_view catalog_query() { return kCatalogQuery; }

std::optional<SchemaCatalog> catalog_from_rows(
    const std::vector<std::vector<std::optional<std::string>>>& rows) {
  SchemaCatalog catalog;
  for (const auto& row : rows) {
    if (row.size() != kColumns || !row[0] || !row[1] || !row[2]) return std::nullopt;
    const std::string& tag = *row[0];
    TableName name{*row[1], *row[2]};
    if (tag == "T") {
      catalog.tables.push_back(std::move(name));
    } else if (tag == "V") {
      catalog.views.push_back({std::move(name), row[3].value_or("")});
    } else if (tag == "F") {
      if (!row[3] || !row[4] || !row[5]) return std::nullopt;
      const std::string& rules = *row[5];
      const std::size_t slash = rules.find('/');
      if (slash == std::string::npos) return std::nullopt;
      catalog.foreign_keys.push_back({std::move(name), TableName{*row[3], *row[4]},
                                      rules.substr(0, slash), rules.substr(slash + 1)});
    } else if (tag == "G") {
      catalog.triggers.push_back({std::move(name), row[3].value_or(""), row[4].value_or("")});
    } else {
      return std::nullopt;
    }
  }
  return catalog;
}

}  // namespace sqlcache::cache
