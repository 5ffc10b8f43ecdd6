// The statement text that goes into the cache key. Two texts normalise to the same string only
// when the server cannot tell them apart:
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

}  // namespace sqlcache::cache
