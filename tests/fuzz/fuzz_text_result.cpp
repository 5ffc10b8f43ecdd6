// The schema catalog path on any server response: the text-result reader, the catalog rows,
// and the dependency graph built from them. Input: [capabilities] [response...]
// The catalog comes from the database, but through a client's session and written by whoever
// can create views and triggers: nothing in it may crash the proxy or loop.
#include <algorithm>

#include "cache/schema_catalog.hpp"
#include "cache/schema_dependencies.hpp"
#include "fuzz_input.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/text_result.hpp"

using namespace sqlcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput input(data, size);
  std::uint64_t capabilities = wire::cap::kProtocol41 | wire::cap::kTransactions;
  if (input.byte() & 1) capabilities |= wire::cap::kDeprecateEof;
  auto result = wire::parse_text_result(input.rest(), capabilities);
  if (!result) return 0;
  for (const auto& row : result->rows) FUZZ_CHECK(row.size() == result->columns);
  if (result->error_code) {
    FUZZ_CHECK(result->rows.empty());
    return 0;
  }
  auto catalog = cache::catalog_from_rows(result->rows);
  if (!catalog) return 0;
  const cache::SchemaCatalog* catalogs[] = {&*catalog};
  const auto dependencies = cache::SchemaDependencies::build(catalogs);
  for (const auto& table : catalog->tables) {
    FUZZ_CHECK(dependencies.knows(table.schema, table.table));
    if (const auto* effect = dependencies.effect_of_write(table.schema, table.table)) {
      FUZZ_CHECK(std::is_sorted(effect->tables.begin(), effect->tables.end()));
      FUZZ_CHECK(std::find(effect->tables.begin(), effect->tables.end(), table) ==
                 effect->tables.end());
      FUZZ_CHECK(!effect->tables.empty() || effect->everything);
    }
  }
  return 0;
}
