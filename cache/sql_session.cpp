#include "cache/sql_session.hpp"

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
    if (is_keyword(p_.peek(), "TRANSACTION") ||
        (is_keyword(p_.peek(1), "TRANSACTION") &&
         (global || is_keyword(p_.peek(), "SESSION") || is_keyword(p_.peek(), "LOCAL")))) {
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
      const Token& target = p_.peek();
      if (target.kind == TokenKind::UserVariable) {
        user = true;
        p_.advance();
      } else if (target.kind == TokenKind::SystemVariable) {
        const std::string lower = lowercase(target.text);
        global = lower.rfind("@@global.", 0) == 0 || lower.rfind("@@persist", 0) == 0;
        p_.advance();
      } else {
        global = p_.accept_keyword("GLOBAL") || p_.accept_keyword("PERSIST") ||
                 p_.accept_keyword("PERSIST_ONLY");
        if (!global && !p_.accept_keyword("SESSION")) p_.accept_keyword("LOCAL");
        if (!is_identifier(p_.peek())) return give_up();
        p_.advance();
        // Structured variables: keycache1.key_buffer_size.
        if (is_operator(p_.peek(), ".") && is_identifier(p_.peek(1))) p_.advance(2);
      }
      if (!p_.accept_operator("=") && !p_.accept_operator(":=")) return give_up();
      const std::size_t start = p_.position();
      p_.expression(kStopAtComma);
      if (p_.failed()) return give_up();
      if (!user) {
        any_system_variable = true;
        if (global) out_.changes_global_state = true;
        if (!is_literal_value(t_.subspan(start, p_.position() - start))) {
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
