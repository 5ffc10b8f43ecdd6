#include "cache/sql_parser.hpp"

#include <algorithm>

#include "cache/sql_functions.hpp"
#include "cache/sql_keywords.hpp"

namespace sqlcache::cache {
namespace {

constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);
// Deeper nesting than this is not a query anyone means to cache; stopping keeps the recursion
// (and a fuzzer's stack) bounded.
constexpr int kMaxDepth = 200;

const Token kEndToken{};

bool is_any_keyword(const Token& t, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return is_keyword(t, w); });
}

bool is_set_operator(const Token& t) {
  return is_any_keyword(t, {"UNION", "EXCEPT", "INTERSECT", "MINUS"});
}

bool starts_query(const Token& t) { return is_keyword(t, "SELECT") || is_keyword(t, "WITH"); }

// An unquoted word that can be a name where the grammar expects a table, alias or CTE.
bool is_name(const Token& t) {
  return t.kind == TokenKind::QuotedIdentifier ||
         (t.kind == TokenKind::Word && !is_structural_keyword(t.text));
}

}  // namespace

StatementParser::StatementParser(std::span<const Token> tokens)
    : tokens_(tokens), match_(tokens.size(), kNoMatch) {
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (is_operator(tokens_[i], "(")) {
      open.push_back(i);
    } else if (is_operator(tokens_[i], ")")) {
      if (open.empty()) {
        failed_ = true;
        return;
      }
      match_[open.back()] = i;
      open.pop_back();
    }
  }
  if (!open.empty()) failed_ = true;
}

const Token& StatementParser::peek(std::size_t ahead) const {
  return pos_ + ahead < tokens_.size() ? tokens_[pos_ + ahead] : kEndToken;
}

void StatementParser::advance(std::size_t count) { pos_ = std::min(pos_ + count, tokens_.size()); }

bool StatementParser::accept_keyword(std::string_view upper_keyword) {
  if (!is_keyword(peek(), upper_keyword)) return false;
  advance();
  return true;
}

bool StatementParser::accept_operator(std::string_view op) {
  if (!is_operator(peek(), op)) return false;
  advance();
  return true;
}

void StatementParser::expect_keyword(std::string_view upper_keyword) {
  if (!accept_keyword(upper_keyword)) fail();
}

void StatementParser::skip_parenthesised() {
  if (failed_ || !is_operator(peek(), "(") || match_[pos_] == kNoMatch) return fail();
  pos_ = match_[pos_] + 1;
}

bool StatementParser::enter() {
  if (++depth_ > kMaxDepth) fail();
  return !failed_;
}

// ---------------------------------------------------------------------------------------------
// Query expressions

void StatementParser::query_expression() {
  if (!enter()) return leave();
  const std::size_t scopes = cte_scopes_.size();
  if (is_keyword(peek(), "WITH")) with_clause();
  query_term();
  while (!failed_) {
    if (is_set_operator(peek())) {
      advance();
      if (!accept_keyword("ALL")) accept_keyword("DISTINCT");
      query_term();
      continue;
    }
    if (at_end() || is_operator(peek(), ")")) break;
    if (is_keyword(peek(), "FROM")) {
      fail();
      break;
    }
    // ORDER BY / LIMIT / locking clauses after a parenthesised term or a whole UNION.
    expression(kStopAtFrom | kStopAtSetOperator);
  }
  close_cte_scopes(scopes);
  leave();
}

void StatementParser::with_clause() {
  advance();  // WITH
  const bool recursive = accept_keyword("RECURSIVE");
  cte_scopes_.emplace_back();
  do {
    if (!is_name(peek())) return fail();
    std::string name = identifier_name(peek());
    advance();
    if (is_operator(peek(), "(")) skip_parenthesised();
    expect_keyword("AS");
    if (failed_ || !accept_operator("(")) return fail();
    // A recursive CTE sees itself; a plain one only the CTEs before it (a later name, or its own
    // name, inside its body is a base table).
    if (recursive) declare_cte(name);
    query_expression();
    if (failed_ || !accept_operator(")")) return fail();
    if (!recursive) declare_cte(std::move(name));
  } while (accept_operator(","));
}

void StatementParser::query_term() {
  if (failed_) return;
  if (accept_operator("(")) {
    query_expression();
    if (!accept_operator(")")) fail();
    return;
  }
  if (is_keyword(peek(), "SELECT")) return select_body();
  fail();  // VALUES / TABLE statements and anything else
}

void StatementParser::select_body() {
  advance();  // SELECT
  expression(kStopAtFrom | kStopAtSetOperator);
  if (accept_keyword("FROM")) {
    table_references();
    // What follows the table list must start a clause. Anything else means a word we took for
    // a keyword is an alias to the server (`FROM t1 offset, t2`), and skipping it as an
    // expression would lose t2.
    if (!failed_ && !at_end() && !is_operator(peek(), ")") && !starts_select_clause()) fail();
  }
  expression(kStopAtFrom | kStopAtSetOperator);
  if (is_keyword(peek(), "FROM")) fail();
}

bool StatementParser::starts_select_clause() const {
  const Token& t = peek();
  if (is_any_keyword(t, {"WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "FOR", "LOCK", "INTO",
                         "PROCEDURE", "FETCH", "UNION", "EXCEPT", "INTERSECT", "MINUS"})) {
    return true;
  }
  // WINDOW w AS (...): the shape tells the clause from an alias named `window`.
  return is_keyword(t, "WINDOW") && is_identifier(peek(1)) && is_keyword(peek(2), "AS");
}

// ---------------------------------------------------------------------------------------------
// Table references

void StatementParser::table_references() {
  do {
    table_factor();
    while (!failed_ && join_operator()) {
      table_factor();
      join_condition();
    }
  } while (!failed_ && accept_operator(","));
}

bool StatementParser::join_operator() {
  const std::size_t start = pos_;
  accept_keyword("NATURAL");
  if ((is_keyword(peek(), "LEFT") || is_keyword(peek(), "RIGHT")) && !is_operator(peek(1), "(")) {
    advance();
    accept_keyword("OUTER");
  } else if (!accept_keyword("INNER")) {
    accept_keyword("CROSS");
  }
  if (accept_keyword("JOIN") || accept_keyword("STRAIGHT_JOIN")) return true;
  if (pos_ != start) fail();  // LEFT without JOIN and the like
  return false;
}

void StatementParser::join_condition() {
  if (accept_keyword("ON")) {
    expression(kStopAtFrom | kStopAtSetOperator | kStopAtComma | kStopAtJoin | kStopAtClause);
  } else if (accept_keyword("USING")) {
    skip_parenthesised();
  }
}

void StatementParser::table_factor() {
  if (!enter()) return leave();
  const Token& t = peek();
  if (is_operator(t, "(")) {
    // `(SELECT ...) alias` is a derived table, `(t1 JOIN t2)` a nested join. With extra
    // parentheses, `((SELECT ...) UNION (SELECT ...)) AS d` is told from
    // `((SELECT ...) AS a JOIN t)` by the alias a derived table must have after its `)`.
    std::size_t first = pos_ + 1;
    while (first < tokens_.size() && is_operator(tokens_[first], "(")) ++first;
    bool derived = starts_query(peek(1));
    if (!derived && first < tokens_.size() && starts_query(tokens_[first])) {
      const std::size_t close = match_[pos_];
      const Token& after = close + 1 < tokens_.size() ? tokens_[close + 1] : kEndToken;
      derived = is_keyword(after, "AS") || is_name(after);
    }
    if (derived) {
      derived_table();
    } else {
      advance();
      table_references();
      if (!accept_operator(")")) fail();
    }
    return leave();
  }
  if (accept_keyword("LATERAL")) {
    if (!is_operator(peek(), "(") || !starts_query(peek(1))) fail();
    derived_table();
    return leave();
  }
  if (is_keyword(t, "JSON_TABLE") && is_operator(peek(1), "(")) {
    advance();
    parenthesised();
    table_alias();
    return leave();
  }
  if (accept_keyword("DUAL")) return leave();

  TableName name;
  // `name (` is a call, never a table reference (JSON_TABLE aside): the text is not a query.
  if (!table_name(name) || is_operator(peek(), "(")) {
    fail();
    return leave();
  }
  record_table(std::move(name));
  if (accept_keyword("PARTITION")) skip_parenthesised();
  if (is_keyword(peek(), "FOR") && is_keyword(peek(1), "SYSTEM_TIME")) fail();  // MariaDB history
  table_alias();
  index_hints();
  leave();
}

void StatementParser::derived_table() {
  advance();  // (
  query_expression();
  if (failed_ || !accept_operator(")")) return fail();
  table_alias();
  if (is_operator(peek(), "(")) skip_parenthesised();  // column names: AS d (a, b)
}

void StatementParser::table_alias() {
  if (failed_) return;
  if (accept_keyword("AS")) {
    const Token& t = peek();
    if (!is_identifier(t) && t.kind != TokenKind::String) return fail();
    facts_.aliases.push_back(identifier_name(t));
    return advance();
  }
  if (is_name(peek())) {
    facts_.aliases.push_back(identifier_name(peek()));
    advance();
  }
}

void StatementParser::index_hints() {
  while (!failed_ && is_any_keyword(peek(), {"USE", "FORCE", "IGNORE"}) &&
         is_any_keyword(peek(1), {"INDEX", "KEY"})) {
    advance(2);
    if (accept_keyword("FOR")) {
      if (!accept_keyword("JOIN")) {
        if (!accept_keyword("ORDER")) expect_keyword("GROUP");
        expect_keyword("BY");
      }
    }
    skip_parenthesised();
  }
}

bool StatementParser::table_name(TableName& out) {
  if (!is_name(peek())) return false;
  std::string first = identifier_name(peek());
  advance();
  // After a `.` any word is a name, reserved or not.
  const bool qualified = is_operator(peek(), ".") && is_identifier(peek(1));
  if (qualified) {
    out.schema = std::move(first);
    out.table = identifier_name(peek(1));
    advance(2);
  } else {
    out.schema.clear();
    out.table = std::move(first);
  }
  // `` names nothing (the server rejects it), and an empty schema would read as the default
  // one: not a table we can name.
  if (out.table.empty() || (qualified && out.schema.empty())) {
    fail();
    return false;
  }
  return true;
}

void StatementParser::record_table(TableName name) {
  if (name.schema.empty() && is_cte_name(name.table)) return;
  facts_.tables.push_back(std::move(name));
}

bool StatementParser::is_cte_name(const std::string& name) const {
  // Exact comparison: if the server matched CTE names case-insensitively the mismatch would
  // only add a table that is not there, which is harmless.
  return cte_names_.count(name) != 0;
}

void StatementParser::declare_cte(std::string name) {
  cte_names_.insert(name);
  cte_scopes_.back().push_back(std::move(name));
}

void StatementParser::close_cte_scopes(std::size_t keep) {
  while (cte_scopes_.size() > keep) {
    for (const std::string& name : cte_scopes_.back()) cte_names_.erase(cte_names_.find(name));
    cte_scopes_.pop_back();
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

bool StatementParser::is_stop(const Token& t, unsigned stops) const {
  if (t.kind == TokenKind::Operator) return (stops & kStopAtComma) && t.text == ",";
  if (t.kind != TokenKind::Word) return false;
  if ((stops & kStopAtFrom) && is_keyword(t, "FROM")) return true;
  if ((stops & kStopAtSetOperator) && is_set_operator(t)) return true;
  if ((stops & kStopAtJoin) &&
      (is_any_keyword(t, {"JOIN", "INNER", "CROSS", "NATURAL", "STRAIGHT_JOIN"}) ||
       ((is_keyword(t, "LEFT") || is_keyword(t, "RIGHT")) && !is_operator(peek(1), "(")))) {
    return true;
  }
  if ((stops & kStopAtClause) &&
      is_any_keyword(t, {"WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "FOR", "LOCK",
                         "PROCEDURE", "FETCH", "INTO", "OFFSET", "RETURNING", "SET", "USING"})) {
    return true;
  }
  return false;
}

void StatementParser::expression(unsigned stops) {
  while (!failed_ && !at_end()) {
    const Token& t = peek();
    if (is_operator(t, ")")) return;
    if (is_stop(t, stops)) return;
    if (is_operator(t, "(")) {
      parenthesised();
      continue;
    }
    if (t.kind == TokenKind::QuotedIdentifier && is_operator(peek(1), "(") &&
        !(pos_ > 0 && is_keyword(tokens_[pos_ - 1], "AS"))) {
      facts_.unknown_function = true;  // `name`(...) always resolves as a stored function
      advance();
      continue;
    }
    if (t.kind != TokenKind::Word) {
      advance();
      continue;
    }
    if (is_keyword(t, "SELECT")) {
      select_body();  // the second and later terms of a UNION inside parentheses
      continue;
    }
    if (is_keyword(t, "WITH")) {
      if (is_keyword(peek(1), "ROLLUP")) {
        advance(2);
      } else {
        query_expression();
      }
      continue;
    }
    if (is_keyword(t, "TABLE")) {
      // MySQL 8 `TABLE t` (SELECT * FROM t) as a subquery or after INSERT ... .
      advance();
      TableName name;
      if (!table_name(name)) return fail();
      record_table(std::move(name));
      continue;
    }
    const bool after_dot = pos_ > 0 && is_operator(tokens_[pos_ - 1], ".");
    if ((is_keyword(t, "NEXT") || is_keyword(t, "PREVIOUS")) && is_keyword(peek(1), "VALUE") &&
        is_keyword(peek(2), "FOR")) {
      const bool next = is_keyword(t, "NEXT");
      advance(3);
      sequence_reference(next);
      continue;
    }
    if (after_dot && (is_keyword(t, "NEXTVAL") || is_keyword(t, "CURRVAL")) &&
        !is_operator(peek(1), "(")) {
      // Oracle-mode seq.NEXTVAL: the sequence is the name before the dot.
      facts_.nondeterministic = true;
      if (is_keyword(t, "NEXTVAL")) {
        // [schema .] seq . NEXTVAL, and nothing else before: `x.db.s.nextval`, `.s.nextval`
        // or a keyword in a name's place name no sequence we can be sure of.
        const auto dot_at = [&](std::size_t i) { return is_operator(tokens_[i], "."); };
        TableName seq;
        bool certain = false;
        if (pos_ >= 2) {
          const std::size_t seq_at = pos_ - 2;
          const bool qualified = seq_at >= 2 && dot_at(seq_at - 1);
          const std::size_t first = qualified ? seq_at - 2 : seq_at;
          certain = is_name(tokens_[first]) && is_identifier(tokens_[seq_at]) &&
                    (first == 0 || !dot_at(first - 1));
          if (certain) {
            seq.table = identifier_name(tokens_[seq_at]);
            if (qualified) seq.schema = identifier_name(tokens_[first]);
          }
        }
        if (certain) {
          facts_.sequences_advanced.push_back(std::move(seq));
        } else {
          facts_.unknown_function = true;
        }
      }
      advance();
      continue;
    }
    if (is_operator(peek(1), "(")) {
      check_call();
      advance();
      continue;
    }
    if (!after_dot && is_bare_nondeterministic(t.text)) facts_.nondeterministic = true;
    advance();
  }
}

void StatementParser::parenthesised() {
  if (!enter()) return leave();
  const std::size_t close = match_[pos_];
  advance();  // (
  if (starts_query(peek())) {
    query_expression();
  } else {
    expression(kStopNever);
  }
  if (!failed_ && pos_ != close) fail();
  if (!failed_) advance();  // )
  leave();
}

// At a word followed by `(`: is it a call, and of what?
void StatementParser::check_call() {
  const Token& name = peek();
  const Token* prev = pos_ > 0 ? &tokens_[pos_ - 1] : nullptr;
  if (prev && is_operator(*prev, ".")) {
    facts_.unknown_function = true;  // schema.function(...)
    return;
  }
  // CAST(x AS DATETIME(6)), JSON_VALUE(.. RETURNING DECIMAL(10,2)), derived AS d(a, b).
  if (prev && (is_keyword(*prev, "AS") || is_keyword(*prev, "RETURNING"))) return;
  switch (classify_function(name.text)) {
    case FunctionKind::Deterministic:
      // CONCAT (...) with a space resolves to a stored function unless the name is a keyword.
      if (peek(1).space_before && !is_keyword_function(name.text)) facts_.unknown_function = true;
      return;
    case FunctionKind::NonDeterministic:
      facts_.nondeterministic = true;
      return;
    case FunctionKind::SequenceAdvance: {
      facts_.nondeterministic = true;
      const std::size_t saved = pos_;
      advance(2);  // name (
      sequence_reference(true);
      pos_ = saved;
      return;
    }
    case FunctionKind::Unknown:
      break;
  }
  if (is_reserved_word(name.text) || is_parenthesised_syntax(name.text)) return;
  // JSON_TABLE column definitions: `name VARCHAR(40) PATH ...`, `flags BIT(8) PATH ...`.
  if (is_type_name(name.text) && prev &&
      (prev->kind == TokenKind::QuotedIdentifier ||
       (prev->kind == TokenKind::Word && !is_reserved_word(prev->text)))) {
    return;
  }
  facts_.unknown_function = true;
}

// At the sequence name of NEXT VALUE FOR s / NEXTVAL(s) / SETVAL(s, ...).
void StatementParser::sequence_reference(bool advances) {
  facts_.nondeterministic = true;
  TableName seq;
  if (!table_name(seq)) {
    if (advances) facts_.unknown_function = true;  // a write we cannot attribute
    return;
  }
  if (advances) facts_.sequences_advanced.push_back(std::move(seq));
}

}  // namespace sqlcache::cache
