// Which statement a token sequence is, from its leading keywords.
#pragma once

#include <cstddef>
#include <span>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {

// tokens: one statement without Hint/Semicolon tokens.
StatementKind classify_statement(std::span<const Token> tokens);

// For EXPLAIN / DESCRIBE / DESC / MariaDB ANALYZE: whether a statement follows (rather than a
// table name), where it starts, and whether the server executes it (EXPLAIN ANALYZE, ANALYZE
// stmt), in which case its writes happen.
struct ExplainedStatement {
  bool present = false;
  bool executed = false;
  std::size_t start = 0;
};
ExplainedStatement explained_statement(std::span<const Token> tokens);

// Statements of kind Other that change no table: HELP, CHECK TABLE, CHECKSUM TABLE,
// ANALYZE TABLE, LOAD INDEX INTO CACHE, CACHE INDEX, TABLE t, VALUES ROW(...).
bool is_read_only_other(std::span<const Token> tokens);

}  // namespace sqlcache::cache
