// SET and USE: how a statement changes the state that later results depend on (design.md,
// "What the cache key holds"). The proxy adds a deterministic change to the session's key; a
// change it cannot know from the text makes the session's keys private.
#pragma once

#include <cstddef>
#include <span>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {

// tokens: one SET statement. Fills the session fields of out (and writes_unknown_tables /
// tables_written when a value calls a stored function or advances a sequence). For MariaDB's
// `SET STATEMENT var = value [, ...] FOR statement` it returns the index of the inner statement,
// which the caller analyses for its writes; otherwise 0.
std::size_t analyze_set(std::span<const Token> tokens, Analysis& out);

// tokens: one USE statement.
void analyze_use(std::span<const Token> tokens, Analysis& out);

}  // namespace sqlcache::cache
