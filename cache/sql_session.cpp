#include "cache/sql_session.hpp"

#include <string>
#include <unordered_set>

#include "cache/sql_functions.hpp"
#include "cache/sql_keywords.hpp"
#include "cache/sql_parser.hpp"

namespace sqlcache::cache {
namespace {

// A value whose meaning is fixed by its text: literals, names, keywords (DEFAULT, ON, utf8mb4)
// and operators between them. Calls, subqueries, variables and placeholders are not.
bool is_literal_value(std::span<const Token> value) {
  if (value.empty()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const Token& t = value[i];
    const bool call = i + 1 < value.size() && is_operator(value[i + 1], "(");
    switch (t.kind) {
      case TokenKind::String:
      case TokenKind::Number:
        break;
      case TokenKind::QuotedIdentifier:
        if (call) return false;
        break;
      case TokenKind::Word:
        if (call || is_keyword(t, "SELECT") || is_keyword(t, "WITH") ||
            is_bare_nondeterministic(t.text)) {
          return false;
        }
        break;
      case TokenKind::Operator:
        break;
      default:
        return false;  // variables, placeholders, errors
    }
  }
  return true;
}

// Session variables that change how statements run (timeouts, locking, logging, write checks)
// but never the rows or bytes a read returns.
bool is_result_neutral(const std::string& variable) {
  // clang-format off
  static const std::unordered_set<std::string_view> names = {
      "autocommit",          "wait_timeout", "interactive_timeout", "net_read_timeout",
      "net_write_timeout",   "innodb_lock_wait_timeout",
      "lock_wait_timeout",   "max_execution_time", "max_statement_time",  "long_query_time",
      "profiling",           "sql_log_bin", "sql_log_off",         "sql_notes",
      "foreign_key_checks",  "unique_checks", "sql_safe_updates",    "transaction_isolation",
      "tx_isolation",        "transaction_read_only", "tx_read_only",
  };
  // clang-format on
  return names.count(variable) != 0;
}

class SetAnalyzer {
 public:
  SetAnalyzer(std::span<const Token> tokens, Analysis& out) : t_(tokens), p_(tokens), out_(out) {}

  std::size_t run() {
    p_.advance();  // SET
    if (p_.failed()) return give_up();
    if (p_.accept_keyword("STATEMENT")) return statement_prefix();
    if (is_keyword(p_.peek(), "PASSWORD") ||
        (is_keyword(p_.peek(), "DEFAULT") && is_keyword(p_.peek(1), "ROLE"))) {
      out_.writes_unknown_tables = true;  // changes mysql.* grant tables
      return 0;
    }
    out_.changes_session_state = true;
    if (p_.accept_keyword("ROLE")) return rest_is_literal();
    const bool global = is_keyword(p_.peek(), "GLOBAL");
    // SET TRANSACTION only shapes the next transaction; SET SESSION|GLOBAL TRANSACTION stays.
    if (is_keyword(p_.peek(), "TRANSACTION")) {
      out_.changes_session_state = false;
      return 0;
    }
    if (is_keyword(p_.peek(1), "TRANSACTION") &&
        (global || is_keyword(p_.peek(), "SESSION") || is_keyword(p_.peek(), "LOCAL"))) {
      out_.changes_global_state = global;
      return 0;
    }
    if (is_keyword(p_.peek(), "CHARACTER") && is_keyword(p_.peek(1), "SET")) {
      p_.advance(2);
      return rest_is_literal();
    }
    if (p_.accept_keyword("NAMES") || p_.accept_keyword("CHARSET")) return rest_is_literal();
    return assignments();
  }

 private:
  std::size_t give_up() {
    out_.changes_session_state = true;
    out_.session_state_deterministic = false;
    out_.writes_unknown_tables = true;
    return 0;
  }

  std::size_t rest_is_literal() {
    if (!is_literal_value(t_.subspan(p_.position()))) out_.session_state_deterministic = false;
    return 0;
  }

  // SET STATEMENT var = value [, ...] FOR statement: the variables only last for the statement.
  std::size_t statement_prefix() {
    while (!p_.at_end() && !p_.failed()) {
      if (p_.accept_keyword("FOR")) return p_.position();
      if (is_operator(p_.peek(), "(")) {
        p_.skip_parenthesised();
      } else {
        p_.advance();
      }
    }
    out_.writes_unknown_tables = true;
    return 0;
  }

  std::size_t assignments() {
    bool any_system_variable = false;
    do {
      bool user = false;
      bool global = false;
      std::string name;  // lower case, without @@ and scope
      const Token& target = p_.peek();
      if (target.kind == TokenKind::UserVariable) {
        user = true;
        p_.advance();
      } else if (target.kind == TokenKind::SystemVariable) {
        name = lowercase(target.text);
        global = name.rfind("@@global.", 0) == 0 || name.rfind("@@persist", 0) == 0;
        name.erase(0, name.find_last_of("@.") + 1);
        p_.advance();
      } else {
        global = p_.accept_keyword("GLOBAL") || p_.accept_keyword("PERSIST") ||
                 p_.accept_keyword("PERSIST_ONLY");
        if (!global && !p_.accept_keyword("SESSION")) p_.accept_keyword("LOCAL");
        if (!is_identifier(p_.peek())) return give_up();
        name = lowercase(identifier_name(p_.peek()));
        p_.advance();
        // Structured variables: keycache1.key_buffer_size.
        if (is_operator(p_.peek(), ".") && is_identifier(p_.peek(1))) {
          name.clear();
          p_.advance(2);
        }
      }
      // SET autocommit = 1 and friends change no result: keeping them out of the key keeps
      // sessions that differ only in such settings sharing entries.
      if (!user && !global && is_result_neutral(name)) user = true;
      if (!p_.accept_operator("=") && !p_.accept_operator(":=")) return give_up();
      const std::size_t start = p_.position();
      // Whether this value reads a sequence (NEXT VALUE FOR s) or calls a non-deterministic
      // built-in: the parser's flag is for the whole statement, so it is looked at per value.
      ParseFacts& facts = p_.facts();
      const bool nondeterministic_before = facts.nondeterministic;
      facts.nondeterministic = false;
      p_.expression(kStopAtComma);
      const bool value_nondeterministic = facts.nondeterministic;
      facts.nondeterministic = facts.nondeterministic || nondeterministic_before;
      if (p_.failed()) return give_up();
      if (!user) {
        any_system_variable = true;
        if (global) out_.changes_global_state = true;
        if (value_nondeterministic || !is_literal_value(t_.subspan(start, p_.position() - start))) {
          out_.session_state_deterministic = false;
        }
      }
    } while (p_.accept_operator(","));
    if (!p_.at_end()) return give_up();
    const ParseFacts& facts = p_.facts();
    if (facts.unknown_function) out_.writes_unknown_tables = true;
    for (const TableName& seq : facts.sequences_advanced) out_.tables_written.push_back(seq);
    // SET @a = ... alone changes nothing a cached statement can depend on.
    if (!any_system_variable) out_.changes_session_state = false;
    return 0;
  }

  static std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }

  std::span<const Token> t_;
  StatementParser p_;
  Analysis& out_;
};

}  // namespace

std::size_t analyze_set(std::span<const Token> tokens, Analysis& out) {
  const std::size_t inner = SetAnalyzer(tokens, out).run();
  sort_unique(out.tables_written);
  return inner;
}

void analyze_use(std::span<const Token> tokens, Analysis& out) {
  out.changes_session_state = true;
  // A reserved word is not a schema name unless quoted: the server rejects `USE select`.
  if (tokens.size() == 2 && is_identifier(tokens[1]) &&
      !(tokens[1].kind == TokenKind::Word && is_reserved_word(tokens[1].text))) {
    out.use_schema = identifier_name(tokens[1]);
  } else {
    out.session_state_deterministic = false;
  }
}

}  // namespace sqlcache::cache
