// What the cache needs to know about one COM_QUERY (or COM_STMT_PREPARE) text: may its result
// be cached, under which key text, and which tables does it change. The rules and their reasons
// are in docs/sql-analysis.md. The analyser never has to understand everything: whatever it
// cannot classify with certainty is not cached (and, for writes, counts as touching unknown
// tables).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/sql_table_name.hpp"
#include "cache/sql_tokenizer.hpp"

namespace sqlcache::cache {

enum class StatementKind {
  Select,
  Insert,
  Update,
  Delete,
  Replace,
  LoadData,
  Truncate,
  Alter,
  Drop,
  Rename,
  Create,
  Use,
  Set,
  Begin,
  Commit,
  Rollback,
  Savepoint,
  Call,
  Show,
  Describe,
  Explain,
  Lock,
  Unlock,
  Grant,
  Prepare,
  Execute,
  Deallocate,
  Handler,
  Flush,
  Do,
  Other,
  Empty,
  Multi
};

enum class BypassReason {
  None,
  NotSelect,
  MultiStatement,
  NonDeterministicFunction,
  UserVariable,
  SystemVariable,
  LockingRead,
  SelectInto,
  NoCacheHint,
  HintOff,
  SystemSchema,
  NoTables,        // SELECT 1: nothing to save, and no table generation would protect it
  TemporaryTable,  // set by the caller, which knows the session's temporary tables
  Unparsable,
  Placeholder,
  SessionSideEffect,  // SQL_CALC_FOUND_ROWS: a later FOUND_ROWS() must see this execution
};

struct Analysis {
  StatementKind kind = StatementKind::Other;
  std::string normalized;  // canonical text, see normalize_tokens() (SET statements' state)
  std::string key_text;    // for a cacheable read: the cache key's text, see exact_key_text()
  bool cacheable = false;  // only for a single deterministic SELECT
  BypassReason reason = BypassReason::NotSelect;
  std::vector<TableName> tables_read;     // sorted, unique; for SELECT
  std::vector<TableName> tables_written;  // sorted, unique; for writes and DDL
  // A write whose tables cannot be attributed: CALL, EXECUTE, PREPARE, DO, HANDLER, LOCK,
  // GRANT, stored function calls, DROP/CREATE/ALTER DATABASE, unparsable text, unknown
  // statements. The caller must treat every table (at least of schema_written) as changed.
  bool writes_unknown_tables = false;
  std::string schema_written;  // DROP/CREATE/ALTER DATABASE db: the schema, unquoted
  // CREATE TEMPORARY TABLE / DROP TEMPORARY TABLE: the table (in tables_written) is the
  // session's own and shadows a base table of the same name for this session only.
  bool temporary_table = false;
  // CREATE, ALTER, DROP or RENAME of something other than a temporary table: views, foreign
  // keys or triggers may have changed (the proxy reads them again before the next write).
  bool changes_schema_objects = false;
  // SET (including SET NAMES / CHARACTER SET / TRANSACTION / ROLE) and USE. Assignments to user
  // variables only (SET @a = ...) do not count: statements reading @a are never cached.
  bool changes_session_state = false;
  // false when a SET's value is anything but literals, names and keywords (a subquery, a
  // function call, a variable): the new state cannot be known from the text.
  bool session_state_deterministic = true;
  bool changes_global_state = false;  // SET GLOBAL / PERSIST / @@global.x: other sessions too
  std::string use_schema;             // for `USE db`, unquoted
  std::optional<std::chrono::milliseconds> ttl_hint;  // from /*+ sqlcache ttl=30s */
  bool hint_off = false;                              // /*+ sqlcache off */ or ttl=0
  bool hint_malformed = false;  // a sqlcache hint we could not read (it is ignored)
};

struct AnalyzeOptions {
  bool prepared = false;  // COM_STMT_PREPARE text: `?` placeholders are expected
  LexicalMode lexical;    // NO_BACKSLASH_ESCAPES / ANSI_QUOTES of the session
};

Analysis analyze(std::string_view sql, bool prepared = false);
Analysis analyze(std::string_view sql, const AnalyzeOptions& options);

std::string_view to_string(BypassReason reason);  // snake_case for metrics: "not_select", ...
std::string_view to_string(StatementKind kind);   // snake_case: "select", "load_data", ...

}  // namespace sqlcache::cache
