// What the analyser knows about built-in functions: which ones always give the same result for
// the same arguments and data, which ones do not, and which ones advance a sequence. A name it
// does not know is a stored function or a UDF: it may read anything, write anything, and
// return anything, so it is treated as both non-deterministic and writing unknown tables.
#pragma once

#include <string_view>

namespace sqlcache::cache {

enum class FunctionKind {
  Deterministic,     // COUNT, CONCAT, DATE_FORMAT, JSON_*, ...
  NonDeterministic,  // NOW, RAND, UUID, USER, SLEEP, GET_LOCK, LASTVAL, ...
  SequenceAdvance,   // NEXTVAL(seq), SETVAL(seq, n): reads and writes the sequence seq
  Unknown,           // not a built-in we know
};

FunctionKind classify_function(std::string_view name);

// Built-ins that the server's grammar knows as keywords, so that `COUNT (*)` with a space is
// still the built-in. For any other name a space before `(` makes the server resolve the name
// as a stored function or UDF (unless IGNORE_SPACE is set).
bool is_keyword_function(std::string_view name);

// Session- or time-dependent values that the server accepts without parentheses:
// CURRENT_TIMESTAMP, LOCALTIME, UTC_DATE, CURRENT_USER, ...
bool is_bare_nondeterministic(std::string_view word);

// Words the grammar places before `(` without being a call: OVER (...), AGAINST (...),
// COLUMNS (...) in JSON_TABLE, ROW (...), ANY (subquery), ... Reserved words need not be
// listed: they can never name a stored function.
bool is_parenthesised_syntax(std::string_view word);

// Column types that take a length in parentheses and are not also functions. Only meaningful
// where a type is expected (after AS or RETURNING, or after a column name in JSON_TABLE).
bool is_type_name(std::string_view word);

}  // namespace sqlcache::cache
