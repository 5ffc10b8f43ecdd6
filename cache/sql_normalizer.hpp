// Statement texts in a canonical form, for what the proxy compares: SET statements (session
// state in the cache key) and the analyser's tests. Two texts normalise to the same string only
// when the server runs them alike (a result's column names aside: see exact_key_text()):
//   - comments are dropped and every run of whitespace/comments becomes one space (none is
//     added where the original had none, so `--1` stays minus minus one);
//   - literals, quoted identifiers and unquoted identifiers are kept byte for byte (table and
//     alias names are case sensitive on Linux servers);
//   - only words whose case cannot matter are upper-cased: reserved words (never a name unless
//     after a `.`) and built-in function names in call position;
//   - executable comments keep their marker (/*!40001 ... */): their content is code, but only
//     on servers of that version;
//   - optimizer hints are kept verbatim, except a hint holding nothing but sqlcache directives
//     (the TTL does not change the result, so it must not split the cache);
//   - a final `;` is dropped.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cache/sql_tokenizer.hpp"

namespace sqlcache::cache {

std::string normalize_tokens(std::span<const Token> tokens);
// For SET statements whose values are literals: variable names, charset and collation names and
// keyword values are all case-insensitive, so every unquoted word is upper-cased.
std::string normalize_tokens_folding_words(std::span<const Token> tokens);
std::string normalize(std::string_view sql, LexicalMode mode = {});

// The text a cacheable read is keyed by: `sql` exactly as sent, except a hint holding nothing
// but sqlcache directives right after the leading SELECT (with the space around it, which
// names no column there): it says how to cache, not what. Elsewhere a comment may be part of
// a column's name, so such a hint stays. Not normalize_tokens(): the server names a result's
// columns after the exact text of their expressions, case, spaces and comments included (`count(*)`
// and `COUNT(*)` are two column names), so two spellings must not share an entry. `tokens` are
// tokenize(sql).
std::string exact_key_text(std::string_view sql, std::span<const Token> tokens);

}  // namespace sqlcache::cache
