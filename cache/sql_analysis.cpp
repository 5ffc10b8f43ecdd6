#include "cache/sql_analysis.hpp"

#include <algorithm>
#include <span>

#include "cache/sql_functions.hpp"
#include "cache/sql_hints.hpp"
#include "cache/sql_keywords.hpp"
#include "cache/sql_normalizer.hpp"
#include "cache/sql_parser.hpp"
#include "cache/sql_session.hpp"
#include "cache/sql_statement_kind.hpp"
#include "cache/sql_writes.hpp"

namespace sqlcache::cache {
namespace {

using Tokens = std::span<const Token>;

// SET STATEMENT ... FOR SET STATEMENT ... FOR ...: each level is a recursion.
constexpr int kMaxNesting = 8;

struct HintSummary {
  bool off = false;
  bool malformed = false;
  std::optional<std::chrono::milliseconds> ttl;
};

HintSummary read_hints(const std::vector<Token>& tokens) {
  HintSummary s;
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::Hint) continue;
    const CacheHint h = parse_cache_hint(t.text);
    if (!h.present) continue;
    s.off = s.off || h.off;
    s.malformed = s.malformed || h.malformed;
    if (h.ttl && (!s.ttl || *h.ttl < *s.ttl)) s.ttl = h.ttl;  // the shortest one wins
  }
  return s;
}

// Properties of a SELECT visible from single tokens, wherever they are (subqueries, CTEs,
// executable comments).
struct TokenFlags {
  bool placeholder = false;
  bool user_variable = false;
  bool system_variable = false;
  bool no_cache = false;
  bool calc_found_rows = false;
  bool into = false;
  bool locking = false;
};

TokenFlags scan_flags(Tokens t) {
  TokenFlags f;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    const Token* next = i + 1 < t.size() ? &t[i + 1] : nullptr;
    switch (tok.kind) {
      case TokenKind::Placeholder:
        f.placeholder = true;
        break;
      case TokenKind::UserVariable:
        f.user_variable = true;
        break;
      case TokenKind::SystemVariable:
        f.system_variable = true;
        break;
      case TokenKind::Word:
        if (is_keyword(tok, "SQL_NO_CACHE")) f.no_cache = true;
        if (is_keyword(tok, "SQL_CALC_FOUND_ROWS")) f.calc_found_rows = true;
        if (is_keyword(tok, "INTO")) f.into = true;
        if (next && ((is_keyword(tok, "FOR") &&
                      (is_keyword(*next, "UPDATE") || is_keyword(*next, "SHARE"))) ||
                     (is_keyword(tok, "LOCK") && is_keyword(*next, "IN")))) {
          f.locking = true;
        }
        break;
      default:
        break;
    }
  }
  return f;
}

// When the parser gave up, a SELECT may still call stored functions or advance sequences in
// the part it did not read. Any `name(` that is not a known built-in or syntax counts.
bool may_write_when_unparsed(Tokens t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    if (is_keyword(tok, "NEXT") || is_keyword(tok, "NEXTVAL")) return true;
    if (i + 1 >= t.size() || !is_operator(t[i + 1], "(")) continue;
    if (tok.kind == TokenKind::QuotedIdentifier) return true;
    if (tok.kind != TokenKind::Word) continue;
    const FunctionKind kind = classify_function(tok.text);
    if (kind == FunctionKind::SequenceAdvance) return true;
    if (kind == FunctionKind::Unknown && !is_reserved_word(tok.text) &&
        !is_parenthesised_syntax(tok.text) && !is_type_name(tok.text)) {
      return true;
    }
  }
  return false;
}

BypassReason select_verdict(const TokenFlags& f, const ParseFacts& facts, bool parsed,
                            bool hint_off, const Analysis& a, bool prepared) {
  using R = BypassReason;
  if (hint_off) return R::HintOff;
  if (f.no_cache) return R::NoCacheHint;
  if (f.locking) return R::LockingRead;
  if (f.into) return R::SelectInto;
  if (f.placeholder && !prepared) return R::Placeholder;
  if (f.user_variable) return R::UserVariable;
  if (f.system_variable) return R::SystemVariable;
  if (parsed && (facts.nondeterministic || facts.unknown_function)) {
    return R::NonDeterministicFunction;
  }
  if (f.calc_found_rows) return R::SessionSideEffect;
  if (!parsed) return R::Unparsable;
  if (std::any_of(a.tables_read.begin(), a.tables_read.end(),
                  [](const TableName& t) { return is_system_schema(t.schema); })) {
    return R::SystemSchema;
  }
  if (a.tables_read.empty()) return R::NoTables;
  return R::None;
}

void analyze_select(Tokens t, bool prepared, bool hint_off, Analysis& a) {
  StatementParser p(t);
  if (!p.failed()) p.query_expression();
  const bool parsed = !p.failed() && p.at_end();
  const ParseFacts& facts = p.facts();
  if (parsed) {
    a.tables_read = facts.tables;
    sort_unique(a.tables_read);
    a.tables_written = facts.sequences_advanced;  // NEXTVAL(s) in a SELECT writes s
    sort_unique(a.tables_written);
    a.writes_unknown_tables = facts.unknown_function;
  } else {
    a.writes_unknown_tables = may_write_when_unparsed(t);
  }
  a.reason = select_verdict(scan_flags(t), facts, parsed, hint_off, a, prepared);
}

// DO expr, ...: evaluates and discards. Built-ins cannot write tables (DO SLEEP(1),
// DO RELEASE_LOCK('x')); a stored function can, and NEXTVAL(s) writes s.
void analyze_do(Tokens t, Analysis& a) {
  StatementParser p(t);
  p.advance();  // DO
  if (!p.failed()) p.expression(kStopNever);
  const ParseFacts& facts = p.facts();
  a.writes_unknown_tables = p.failed() || !p.at_end() || facts.unknown_function;
  a.tables_written = facts.sequences_advanced;
  sort_unique(a.tables_written);
}

void take_writes(const Analysis& inner, Analysis& a) {
  a.tables_written.insert(a.tables_written.end(), inner.tables_written.begin(),
                          inner.tables_written.end());
  a.writes_unknown_tables = a.writes_unknown_tables || inner.writes_unknown_tables;
  if (!inner.schema_written.empty()) a.schema_written = inner.schema_written;
  a.temporary_table = a.temporary_table || inner.temporary_table;
}

Analysis analyze_statement(Tokens t, bool prepared, bool hint_off, int nesting) {
  using K = StatementKind;
  Analysis a;
  a.kind = classify_statement(t);
  if (nesting > kMaxNesting) {
    a.reason = BypassReason::Unparsable;
    a.writes_unknown_tables = true;
    return a;
  }
  switch (a.kind) {
    case K::Empty:
    case K::Begin:
    case K::Commit:
    case K::Rollback:
    case K::Savepoint:
    case K::Show:
    case K::Describe:
    case K::Unlock:
    case K::Deallocate:
    case K::Multi:
      break;
    case K::Select:
      analyze_select(t, prepared, hint_off, a);
      return a;
    case K::Insert:
    case K::Replace:
    case K::Update:
    case K::Delete:
    case K::LoadData:
    case K::Truncate:
    case K::Alter:
    case K::Drop:
    case K::Rename:
    case K::Create:
      analyze_writes(t, a);
      break;
    case K::Use:
      analyze_use(t, a);
      break;
    case K::Set:
      if (const std::size_t inner = analyze_set(t, a); inner != 0) {
        take_writes(analyze_statement(t.subspan(inner), prepared, hint_off, nesting + 1), a);
      }
      break;
    case K::Explain:
      if (const ExplainedStatement e = explained_statement(t); e.executed && e.start < t.size()) {
        take_writes(analyze_statement(t.subspan(e.start), prepared, hint_off, nesting + 1), a);
      }
      break;
    case K::Call:
    case K::Lock:
    case K::Grant:
    case K::Prepare:
    case K::Execute:
    case K::Handler:
    case K::Flush:
      a.writes_unknown_tables = true;
      break;
    case K::Do:
      analyze_do(t, a);
      break;
    case K::Other:
      if (!is_read_only_other(t)) analyze_writes(t, a);
      break;
  }
  a.reason = BypassReason::NotSelect;
  return a;
}

// Splits at `;`. A single trailing `;` ends the last statement; anything else after it
// (even another `;`) is one more statement.
std::vector<Tokens> split_statements(const std::vector<Token>& significant) {
  std::vector<Tokens> out;
  const Tokens all(significant);
  std::size_t start = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].kind != TokenKind::Semicolon) continue;
    out.push_back(all.subspan(start, i - start));
    start = i + 1;
  }
  if (start < all.size()) out.push_back(all.subspan(start));
  return out;
}

bool is_schema_change(const Analysis& a) {
  switch (a.kind) {
    case StatementKind::Create:
    case StatementKind::Alter:
    case StatementKind::Drop:
    case StatementKind::Rename:
      return !a.temporary_table;
    default:
      return false;
  }
}

void merge_into_multi(const Analysis& s, Analysis& m) {
  m.changes_schema_objects = m.changes_schema_objects || is_schema_change(s);
  m.tables_read.insert(m.tables_read.end(), s.tables_read.begin(), s.tables_read.end());
  take_writes(s, m);
  m.changes_session_state = m.changes_session_state || s.changes_session_state;
  m.session_state_deterministic = m.session_state_deterministic && s.session_state_deterministic;
  m.changes_global_state = m.changes_global_state || s.changes_global_state;
  if (!s.use_schema.empty()) m.use_schema = s.use_schema;
}

}  // namespace

Analysis analyze(std::string_view sql, bool prepared) {
  AnalyzeOptions options;
  options.prepared = prepared;
  return analyze(sql, options);
}

Analysis analyze(std::string_view sql, const AnalyzeOptions& options) {
  const std::vector<Token> tokens = tokenize(sql, options.lexical);
  const HintSummary hints = read_hints(tokens);
  std::vector<Token> significant;
  significant.reserve(tokens.size());
  std::copy_if(tokens.begin(), tokens.end(), std::back_inserter(significant),
               [](const Token& t) { return t.kind != TokenKind::Hint; });
  const std::vector<Tokens> statements = split_statements(significant);

  Analysis a;
  if (statements.empty()) {
    a.kind = StatementKind::Empty;
  } else if (statements.size() == 1) {
    a = analyze_statement(statements.front(), options.prepared, hints.off, 0);
    a.changes_schema_objects = is_schema_change(a);
  } else {
    a.kind = StatementKind::Multi;
    for (const Tokens& s : statements) {
      merge_into_multi(analyze_statement(s, options.prepared, hints.off, 0), a);
    }
    sort_unique(a.tables_read);
  }
  sort_unique(a.tables_written);  // once: merging sorted lists one by one would be quadratic
  a.reason = statements.size() > 1 ? BypassReason::MultiStatement : a.reason;
  if (has_error(tokens)) {
    // Text the server lexes differently from us, or rejects: nothing about it is certain.
    a.reason = BypassReason::Unparsable;
    a.writes_unknown_tables = true;
  }
  if (statements.empty()) a.reason = BypassReason::NotSelect;
  a.cacheable = a.reason == BypassReason::None;
  // A SET of literal values describes session state: its key text folds every word, so that
  // `set sql_mode='x'` and `SET SQL_MODE='x'` share. Not when it also names a table (SET @a =
  // NEXT VALUE FOR seq, ...): a table name's case is the table's (found by fuzz_sql_analysis).
  const bool literal_set = a.kind == StatementKind::Set && a.changes_session_state &&
                           a.session_state_deterministic && a.tables_written.empty() &&
                           !a.writes_unknown_tables;
  a.normalized = literal_set ? normalize_tokens_folding_words(tokens) : normalize_tokens(tokens);
  if (a.cacheable) a.key_text = exact_key_text(sql, tokens);
  a.ttl_hint = hints.ttl;
  a.hint_off = hints.off;
  a.hint_malformed = hints.malformed;
  return a;
}

std::string_view to_string(BypassReason reason) {
  switch (reason) {
    case BypassReason::None:
      return "none";
    case BypassReason::NotSelect:
      return "not_select";
    case BypassReason::MultiStatement:
      return "multi_statement";
    case BypassReason::NonDeterministicFunction:
      return "non_deterministic_function";
    case BypassReason::UserVariable:
      return "user_variable";
    case BypassReason::SystemVariable:
      return "system_variable";
    case BypassReason::LockingRead:
      return "locking_read";
    case BypassReason::SelectInto:
      return "select_into";
    case BypassReason::NoCacheHint:
      return "no_cache_hint";
    case BypassReason::HintOff:
      return "hint_off";
    case BypassReason::SystemSchema:
      return "system_schema";
    case BypassReason::NoTables:
      return "no_tables";
    case BypassReason::TemporaryTable:
      return "temporary_table";
    case BypassReason::Unparsable:
      return "unparsable";
    case BypassReason::Placeholder:
      return "placeholder";
    case BypassReason::SessionSideEffect:
      return "session_side_effect";
  }
  return "unknown";
}

std::string_view to_string(StatementKind kind) {
  using K = StatementKind;
  switch (kind) {
    case K::Select:
      return "select";
    case K::Insert:
      return "insert";
    case K::Update:
      return "update";
    case K::Delete:
      return "delete";
    case K::Replace:
      return "replace";
    case K::LoadData:
      return "load_data";
    case K::Truncate:
      return "truncate";
    case K::Alter:
      return "alter";
    case K::Drop:
      return "drop";
    case K::Rename:
      return "rename";
    case K::Create:
      return "create";
    case K::Use:
      return "use";
    case K::Set:
      return "set";
    case K::Begin:
      return "begin";
    case K::Commit:
      return "commit";
    case K::Rollback:
      return "rollback";
    case K::Savepoint:
      return "savepoint";
    case K::Call:
      return "call";
    case K::Show:
      return "show";
    case K::Describe:
      return "describe";
    case K::Explain:
      return "explain";
    case K::Lock:
      return "lock";
    case K::Unlock:
      return "unlock";
    case K::Grant:
      return "grant";
    case K::Prepare:
      return "prepare";
    case K::Execute:
      return "execute";
    case K::Deallocate:
      return "deallocate";
    case K::Handler:
      return "handler";
    case K::Flush:
      return "flush";
    case K::Do:
      return "do";
    case K::Other:
      return "other";
    case K::Empty:
      return "empty";
    case K::Multi:
      return "multi";
  }
  return "unknown";
}

}  // namespace sqlcache::cache
