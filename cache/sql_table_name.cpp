#include "cache/sql_table_name.hpp"

#include <algorithm>

#include "cache/sql_keywords.hpp"

namespace sqlcache::cache {

void sort_unique(std::vector<TableName>& tables) {
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
}

bool is_system_schema(std::string_view schema) {
  if (schema.size() > 32) return false;
  const std::string upper = to_upper_ascii(schema);
  return upper == "INFORMATION_SCHEMA" || upper == "PERFORMANCE_SCHEMA" || upper == "MYSQL" ||
         upper == "SYS";
}

}  // namespace sqlcache::cache
