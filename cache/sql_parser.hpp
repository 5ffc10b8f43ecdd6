// Just enough of the MySQL grammar to know which tables a statement touches and which functions
// it calls: query expressions (WITH, UNION, subqueries anywhere), table references (joins,
// derived tables, index hints, PARTITION, JSON_TABLE) and expressions as far as calls and
// nested queries go. Everything else is skipped token by token. The parser never guesses: when
// the text does not have the shape it expects it stops and reports failed(), and the caller
// bypasses the cache.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cache/sql_table_name.hpp"
#include "cache/sql_tokenizer.hpp"

namespace sqlcache::cache {

struct ParseFacts {
  std::vector<TableName> tables;              // base tables named in table references, in order
  std::vector<std::string> aliases;           // table aliases declared in table references
  std::vector<TableName> sequences_advanced;  // NEXTVAL(s), SETVAL(s, ..), NEXT VALUE FOR s
  bool nondeterministic = false;              // a built-in that is not a pure function
  bool unknown_function = false;  // a stored function or UDF: may read or write anything
};

// Where an expression ends besides `)` and the end of the statement.
enum StopAt : unsigned {
  kStopNever = 0,
  kStopAtFrom = 1u << 0,         // FROM (the select list)
  kStopAtSetOperator = 1u << 1,  // UNION, EXCEPT, INTERSECT, MINUS
  kStopAtComma = 1u << 2,        // a comma join after ON ...
  kStopAtJoin = 1u << 3,         // JOIN, INNER, CROSS, LEFT/RIGHT (not a call), NATURAL, ...
  kStopAtClause = 1u << 4,       // WHERE, GROUP, HAVING, ORDER, LIMIT, SET, USING, ...
};

class StatementParser {
 public:
  // tokens: one statement, without Hint and Semicolon tokens.
  explicit StatementParser(std::span<const Token> tokens);

  // --- cursor ---
  bool failed() const { return failed_; }
  void fail() { failed_ = true; }
  std::size_t position() const { return pos_; }
  bool at_end() const { return pos_ >= tokens_.size(); }
  // The token `ahead` positions on, or an empty Error token past the end.
  const Token& peek(std::size_t ahead = 0) const;
  void advance(std::size_t count = 1);
  bool accept_keyword(std::string_view upper_keyword);
  bool accept_operator(std::string_view op);
  void expect_keyword(std::string_view upper_keyword);
  // At `(`: moves past the matching `)` without looking inside.
  void skip_parenthesised();

  // --- grammar ---
  // [WITH ...] query_term { UNION|EXCEPT|INTERSECT [ALL|DISTINCT] query_term } [tail clauses]
  void query_expression();
  // WITH [RECURSIVE] name [(columns)] AS (query) [, ...]. The CTE names stay in scope for the
  // rest of the statement (for WITH ... UPDATE/DELETE).
  void with_clause();
  // table_reference { , table_reference }, each with its joins. Base tables go to facts().tables.
  void table_references();
  // [schema .] name, when the current token can start a table name; advances past it.
  bool table_name(TableName& out);
  // [AS] alias after a table reference.
  void table_alias();
  // Skips an expression, checking every call and parsing every nested query, up to `)`, the end,
  // or a word selected by `stops` at this nesting level.
  void expression(unsigned stops);

  const ParseFacts& facts() const { return facts_; }
  ParseFacts& facts() { return facts_; }

 private:
  void query_term();
  void select_body();
  bool starts_select_clause() const;
  void parenthesised();
  void table_factor();
  void derived_table();
  void index_hints();
  bool join_operator();
  void join_condition();
  void check_call();
  void sequence_reference(bool advances);
  void record_table(TableName name);
  bool is_cte_name(const std::string& name) const;
  void declare_cte(std::string name);
  void close_cte_scopes(std::size_t keep);
  bool is_stop(const Token& token, unsigned stops) const;
  bool enter();
  void leave() { --depth_; }

  std::span<const Token> tokens_;
  std::vector<std::size_t> match_;  // for each `(`, the index of its `)`
  std::size_t pos_ = 0;
  bool failed_ = false;
  int depth_ = 0;
  std::vector<std::vector<std::string>> cte_scopes_;  // names declared by each open WITH
  std::unordered_multiset<std::string> cte_names_;    // all of them, for lookup
  ParseFacts facts_;
};

}  // namespace sqlcache::cache
