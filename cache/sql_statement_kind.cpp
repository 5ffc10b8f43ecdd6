#include "cache/sql_statement_kind.hpp"

#include <string>
#include <utility>

#include "cache/sql_keywords.hpp"
#include "cache/sql_parser.hpp"

namespace sqlcache::cache {
namespace {

const Token kNone{};

const Token& at(std::span<const Token> t, std::size_t i) { return i < t.size() ? t[i] : kNone; }

bool starts_statement(const Token& t) {
  for (std::string_view w :
       {"SELECT", "WITH", "INSERT", "REPLACE", "UPDATE", "DELETE", "TABLE", "VALUES"}) {
    if (is_keyword(t, w)) return true;
  }
  return is_operator(t, "(");
}

// After WITH ...: the statement the CTEs belong to.
StatementKind with_kind(std::span<const Token> tokens) {
  StatementParser p(tokens);
  if (!p.failed()) p.with_clause();
  if (p.failed()) return StatementKind::Other;
  const Token& t = p.peek();
  if (is_keyword(t, "SELECT") || is_operator(t, "(")) return StatementKind::Select;
  if (is_keyword(t, "UPDATE")) return StatementKind::Update;
  if (is_keyword(t, "DELETE")) return StatementKind::Delete;
  return StatementKind::Other;
}

}  // namespace

StatementKind classify_statement(std::span<const Token> t) {
  using K = StatementKind;
  if (t.empty()) return K::Empty;
  if (is_operator(t[0], "(")) return K::Select;  // (SELECT ...) [UNION ...]
  if (t[0].kind != TokenKind::Word) return K::Other;
  const UpperWord upper(t[0].text);
  const std::string_view w = upper.view();
  const Token& next = at(t, 1);

  static const std::pair<std::string_view, K> kSimple[] = {
      {"SELECT", K::Select},
      {"INSERT", K::Insert},
      {"REPLACE", K::Replace},
      {"UPDATE", K::Update},
      {"DELETE", K::Delete},
      {"TRUNCATE", K::Truncate},
      {"ALTER", K::Alter},
      {"RENAME", K::Rename},
      {"CREATE", K::Create},
      {"USE", K::Use},
      {"SET", K::Set},
      {"COMMIT", K::Commit},
      {"ROLLBACK", K::Rollback},
      {"SAVEPOINT", K::Savepoint},
      {"CALL", K::Call},
      {"SHOW", K::Show},
      {"LOCK", K::Lock},
      {"UNLOCK", K::Unlock},
      {"GRANT", K::Grant},
      {"REVOKE", K::Grant},
      {"PREPARE", K::Prepare},
      {"EXECUTE", K::Execute},
      {"DEALLOCATE", K::Deallocate},
      {"HANDLER", K::Handler},
      {"FLUSH", K::Flush},
      {"DO", K::Do},
  };
  for (const auto& [word, kind] : kSimple) {
    if (w == word) return kind;
  }
  if (w == "WITH") return with_kind(t);
  if (w == "LOAD") {
    return is_keyword(next, "DATA") || is_keyword(next, "XML") ? K::LoadData : K::Other;
  }
  if (w == "DROP") return is_keyword(next, "PREPARE") ? K::Deallocate : K::Drop;
  // BEGIN [WORK] starts a transaction; BEGIN NOT ATOMIC ... END is a compound statement.
  if (w == "BEGIN") {
    return t.size() == 1 || (t.size() == 2 && is_keyword(next, "WORK")) ? K::Begin : K::Other;
  }
  if (w == "START") return is_keyword(next, "TRANSACTION") ? K::Begin : K::Other;
  if (w == "RELEASE") return is_keyword(next, "SAVEPOINT") ? K::Savepoint : K::Other;
  if (w == "EXPLAIN" || w == "DESCRIBE" || w == "DESC") {
    return explained_statement(t).present ? K::Explain : K::Describe;
  }
  if (w == "ANALYZE") return explained_statement(t).present ? K::Explain : K::Other;
  return K::Other;
}

ExplainedStatement explained_statement(std::span<const Token> t) {
  ExplainedStatement e;
  std::size_t i = 1;
  if (is_keyword(at(t, 0), "ANALYZE")) e.executed = true;
  // EXPLAIN [EXTENDED | PARTITIONS | ANALYZE] [FORMAT = name] statement
  while (i < t.size()) {
    if (is_keyword(t[i], "EXTENDED") || is_keyword(t[i], "PARTITIONS")) {
      ++i;
    } else if (is_keyword(t[i], "ANALYZE")) {
      e.executed = true;
      ++i;
    } else if (is_keyword(t[i], "FORMAT") && is_operator(at(t, i + 1), "=")) {
      i += 3;
    } else {
      break;
    }
  }
  if (is_keyword(at(t, i), "FOR") && is_keyword(at(t, i + 1), "CONNECTION")) {
    e.present = true;  // the plan of another connection's statement: nothing runs here
    e.executed = false;
    e.start = t.size();
    return e;
  }
  // ANALYZE TABLE t is table maintenance, not ANALYZE of a `TABLE t` statement.
  const bool maintenance = is_keyword(at(t, 0), "ANALYZE") &&
                           (is_keyword(at(t, i), "TABLE") || is_keyword(at(t, i), "TABLES"));
  if (i < t.size() && starts_statement(t[i]) && !maintenance) {
    e.present = true;
    e.start = i;
  }
  return e;
}

bool is_read_only_other(std::span<const Token> t) {
  const Token& first = at(t, 0);
  const Token& next = at(t, 1);
  if (is_keyword(first, "HELP") || is_keyword(first, "TABLE") || is_keyword(first, "VALUES")) {
    return true;
  }
  if (is_keyword(first, "CHECK") || is_keyword(first, "CHECKSUM")) {
    return is_keyword(next, "TABLE") || is_keyword(next, "TABLES");
  }
  if (is_keyword(first, "ANALYZE")) {
    std::size_t i = 1;
    if (is_keyword(next, "NO_WRITE_TO_BINLOG") || is_keyword(next, "LOCAL")) ++i;
    return is_keyword(at(t, i), "TABLE") || is_keyword(at(t, i), "TABLES");
  }
  if (is_keyword(first, "LOAD")) return is_keyword(next, "INDEX");
  if (is_keyword(first, "CACHE")) return is_keyword(next, "INDEX");
  return false;
}

}  // namespace sqlcache::cache
