// Which tables a data-changing or DDL statement writes. Used for invalidation, so every doubt
// resolves to "more tables" or writes_unknown_tables, never to fewer.
#pragma once

#include <span>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {

// tokens: one statement without Hint/Semicolon tokens; out.kind is already set. Fills
// tables_written, writes_unknown_tables and schema_written.
void analyze_writes(std::span<const Token> tokens, Analysis& out);

}  // namespace sqlcache::cache
