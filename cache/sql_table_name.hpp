// A table as a statement names it. Names are unquoted but otherwise exactly as written: table and
// schema names are case sensitive on a server with lower_case_table_names=0.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::cache {

struct TableName {
  std::string schema;  // empty: the session's default schema (the caller fills it in)
  std::string table;

  friend auto operator<=>(const TableName&, const TableName&) = default;
  friend bool operator==(const TableName&, const TableName&) = default;
};

void sort_unique(std::vector<TableName>& tables);

// information_schema, performance_schema, mysql, sys (any case): their contents change without
// statements that name them, so reads of them are never cached.
bool is_system_schema(std::string_view schema);

}  // namespace sqlcache::cache
