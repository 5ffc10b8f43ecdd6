// The SQL analysis on arbitrary text: tokenizer, normaliser, hints parser and analyser, in the
// lexical modes and options the proxy uses (COM_QUERY and COM_STMT_PREPARE text, with and
// without NO_BACKSLASH_ESCAPES) and the ones the analyser supports (ANSI_QUOTES, a known
// MySQL or MariaDB server, which decides executable comments).
// Input: [mode selector] [SQL text...]
//   selector bit 0: prepared (COM_STMT_PREPARE)   bit 1: NO_BACKSLASH_ESCAPES
//            bit 2: ANSI_QUOTES                   bits 3-4: server (unknown, MySQL 8.0.34,
//                                                 MariaDB 10.11.6, MySQL 5.7.44)
#include <algorithm>
#include <string>
#include <string_view>

#include "cache/sql_analysis.hpp"
#include "cache/sql_hints.hpp"
#include "cache/sql_normalizer.hpp"
#include "cache/sql_tokenizer.hpp"
#include "fuzz_input.hpp"

using namespace sqlcache::cache;

namespace {

AnalyzeOptions options_from(std::uint8_t selector) {
  AnalyzeOptions options;
  options.prepared = selector & 1;
  options.lexical.backslash_escapes = !(selector & 2);
  options.lexical.ansi_quotes = selector & 4;
  switch ((selector >> 3) & 3) {
    case 1:
      options.lexical.flavor = ServerFlavor::MySQL;
      options.lexical.server_version = 80034;
      break;
    case 2:
      options.lexical.flavor = ServerFlavor::MariaDB;
      options.lexical.server_version = 101106;
      break;
    case 3:
      options.lexical.flavor = ServerFlavor::MySQL;
      options.lexical.server_version = 50744;
      break;
    default:
      break;
  }
  return options;
}

// Tokens are views into the text, in order, without overlap; an Error token is the last one.
void check_tokens(std::string_view sql, const std::vector<Token>& tokens) {
  std::size_t end = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    FUZZ_CHECK(t.offset >= end);
    FUZZ_CHECK(t.offset + t.text.size() <= sql.size());
    FUZZ_CHECK(t.text.data() == sql.data() + t.offset);
    FUZZ_CHECK(!t.text.empty());
    FUZZ_CHECK(t.kind != TokenKind::Error || i + 1 == tokens.size());
    end = t.offset + t.text.size();
    if (t.kind == TokenKind::Hint) {
      const CacheHint hint = parse_cache_hint(t.text);
      FUZZ_CHECK(!hint.only_sqlcache || (hint.present && !hint.malformed));
      FUZZ_CHECK(!hint.malformed || !hint.ttl);
      FUZZ_CHECK(!hint.ttl || hint.ttl->count() > 0 || hint.off);
      FUZZ_CHECK(!hint.ttl || *hint.ttl <= std::chrono::hours(24 * 365));
    }
  }
}

void check_analysis(const Analysis& a) {
  // Only a single SELECT may be cached; a cacheable read has tables and writes nothing.
  if (a.cacheable) {
    FUZZ_CHECK(a.kind == StatementKind::Select);
    FUZZ_CHECK(a.reason == BypassReason::None);
    FUZZ_CHECK(!a.tables_read.empty());
    FUZZ_CHECK(a.tables_written.empty());
    FUZZ_CHECK(!a.writes_unknown_tables);
    FUZZ_CHECK(!a.hint_off);
    FUZZ_CHECK(!a.changes_session_state && !a.changes_global_state);
  } else {
    FUZZ_CHECK(a.reason != BypassReason::None);
  }
  FUZZ_CHECK(std::adjacent_find(a.tables_read.begin(), a.tables_read.end(),
                                [](const TableName& x, const TableName& y) { return !(x < y); }) ==
             a.tables_read.end());
  FUZZ_CHECK(std::adjacent_find(a.tables_written.begin(), a.tables_written.end(),
                                [](const TableName& x, const TableName& y) { return !(x < y); }) ==
             a.tables_written.end());
  for (const TableName& t : a.tables_read) FUZZ_CHECK(!t.table.empty());
  for (const TableName& t : a.tables_written) FUZZ_CHECK(!t.table.empty());
  FUZZ_CHECK(!a.ttl_hint || a.ttl_hint->count() > 0 || a.hint_off);  // ttl=0 is off
  FUZZ_CHECK(to_string(a.reason) != "unknown" && to_string(a.kind) != "unknown");
}

bool same_verdict(const Analysis& a, const Analysis& b) {
  return a.kind == b.kind && a.normalized == b.normalized && a.key_text == b.key_text &&
         a.cacheable == b.cacheable && a.reason == b.reason && a.tables_read == b.tables_read &&
         a.tables_written == b.tables_written &&
         a.writes_unknown_tables == b.writes_unknown_tables &&
         a.schema_written == b.schema_written && a.temporary_table == b.temporary_table &&
         a.changes_session_state == b.changes_session_state &&
         a.session_state_deterministic == b.session_state_deterministic &&
         a.changes_global_state == b.changes_global_state && a.use_schema == b.use_schema &&
         a.ttl_hint == b.ttl_hint && a.hint_off == b.hint_off &&
         a.hint_malformed == b.hint_malformed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const AnalyzeOptions options = options_from(in.byte());
  const auto rest = in.rest();
  const std::string_view sql(reinterpret_cast<const char*>(rest.data()), rest.size());

  const std::vector<Token> tokens = tokenize(sql, options.lexical);
  check_tokens(sql, tokens);
  parse_hint_duration(sql.substr(0, 32));
  const ServerIdentity server = parse_server_version(sql);
  FUZZ_CHECK((server.version == 0) == (server.flavor == ServerFlavor::Unknown));

  const Analysis a = analyze(sql, options);
  check_analysis(a);
  // The proxy memoises analyses by text: the same text must give the same answer.
  FUZZ_CHECK(same_verdict(a, analyze(sql, options)));

  // The canonical text is the normaliser's output (SET with literal values folds every word).
  const bool literal_set = a.kind == StatementKind::Set && a.changes_session_state &&
                           a.session_state_deterministic && a.tables_written.empty() &&
                           !a.writes_unknown_tables;
  if (!literal_set) FUZZ_CHECK(a.normalized == normalize(sql, options.lexical));

  // A cacheable read's key text is the statement as sent, or without our leading hint: the
  // same statement, with the same tables.
  if (a.cacheable) {
    FUZZ_CHECK(a.key_text == sql || a.key_text.size() < sql.size());
    const Analysis k = analyze(a.key_text, options);
    FUZZ_CHECK(k.kind == a.kind && k.cacheable && k.tables_read == a.tables_read);
  } else {
    FUZZ_CHECK(a.key_text.empty());
  }

  // Normalising the canonical text again changes nothing, except where dropping a comment put a
  // space after `--` (which then reads as a comment; the key stays unambiguous), and for text the
  // lexer rejected (the rest is kept raw).
  if (!has_error(tokens) && a.normalized.find("--") == std::string::npos) {
    const std::vector<Token> again = tokenize(a.normalized, options.lexical);
    FUZZ_CHECK(!has_error(again));
    const std::string twice =
        literal_set ? normalize_tokens_folding_words(again) : normalize_tokens(again);
    FUZZ_CHECK(twice == a.normalized);
    // And it means the same statement: the same verdict and tables. (Only our own hints are
    // left out of the key, so /*+ sqlcache off */ is the one difference allowed.)
    if (!a.hint_off) {
      const Analysis b = analyze(a.normalized, options);
      FUZZ_CHECK(b.kind == a.kind && b.reason == a.reason && b.cacheable == a.cacheable);
      FUZZ_CHECK(b.tables_read == a.tables_read && b.tables_written == a.tables_written);
      FUZZ_CHECK(b.writes_unknown_tables == a.writes_unknown_tables);
    }
  }
  return 0;
}
