#pragma once
// Which tables a write changes besides the one it names, as the schema catalog tells it:
//  - a view's base tables, when the write goes through an (updatable) view;
//  - every view over a changed table (an entry of `SELECT ... FROM view` holds its rows);
//  - the child tables of a foreign key whose ON DELETE / ON UPDATE action changes them
//    (CASCADE, SET NULL, SET DEFAULT);
//  - every table a trigger on a changed table names (read or written: the body is not
//    interpreted, only searched for names of tables that exist).
// followed transitively. Every doubt resolves to more tables, or to `everything`.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/schema_catalog.hpp"
#include "cache/sql_table_name.hpp"

namespace sqlcache::cache {

class SchemaDependencies {
 public:
  struct Effect {
    std::vector<TableName> tables;  // sorted; never the written table itself
    // A trigger CALLs a procedure, or its body or a written view's definition is hidden from
    // every user the catalogs were read as: anything may change.
    bool everything = false;
  };

  // The union of what each catalog says (catalogs read as different users).
  static SchemaDependencies build(std::span<const SchemaCatalog* const> catalogs);

  // What a write to schema.table also changes; nullptr when nothing else.
  const Effect* effect_of_write(std::string_view schema, std::string_view table) const;
  // Whether the catalogs name this table or view.
  bool knows(std::string_view schema, std::string_view table) const;
  // Tables whose writes change something else.
  std::size_t size() const { return effects_.size(); }
  // Whether one of the tables is a view whose rows may change without any write: its
  // definition calls a non-deterministic function (NOW(), RAND(), a stored function) or reads
  // a system schema, or it is over such a view. A read of one is never stored. (A definition
  // hidden from every user the catalogs were read as is taken to be deterministic.)
  bool reads_volatile_view(std::span<const TableName> tables) const;

 private:
  std::unordered_map<std::string, Effect> effects_;  // key: schema '\0' table
  std::unordered_set<std::string> known_;            // same keys
  std::unordered_set<std::string> volatile_views_;   // same keys
};

// Names of existing tables (and views) that `text` mentions, unqualified names taken to be in
// `schema`; `known` must be sorted. Tokenised like SQL, so names in strings and comments do
// not count. `calls_procedure` is set when the text has a CALL statement, and `unreadable`
// when it does not tokenise.
struct MentionedTables {
  std::vector<TableName> tables;
  bool calls_procedure = false;
  bool unreadable = false;
};
MentionedTables mentioned_tables(std::string_view text, std::string_view schema,
                                 const std::vector<TableName>& known);

}  // namespace sqlcache::cache
