// SET and USE: whether a statement changes state later results depend on, and whether that
// change can be known from its text.
#include <gtest/gtest.h>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {
namespace {

struct SessionCase {
  const char* sql;
  bool changes;
  bool deterministic;
  bool global;
};

void PrintTo(const SessionCase& c, std::ostream* os) { *os << testing::PrintToString(c.sql); }

class SessionState : public testing::TestWithParam<SessionCase> {};

TEST_P(SessionState, IsClassified) {
  const SessionCase& c = GetParam();
  const Analysis a = analyze(c.sql);
  EXPECT_EQ(a.changes_session_state, c.changes) << c.sql;
  EXPECT_EQ(a.session_state_deterministic, c.deterministic) << c.sql;
  EXPECT_EQ(a.changes_global_state, c.global) << c.sql;
  EXPECT_FALSE(a.cacheable) << c.sql;
}

INSTANTIATE_TEST_SUITE_P(
    Set, SessionState,
    testing::Values(
        SessionCase{"SET NAMES utf8mb4", true, true, false},
        SessionCase{"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", true, true, false},
        SessionCase{"set names utf8 collate utf8_bin", true, true, false},
        SessionCase{"SET NAMES DEFAULT", true, true, false},
        SessionCase{"SET CHARACTER SET latin1", true, true, false},
        SessionCase{"SET CHARSET utf8mb4", true, true, false},
        SessionCase{"SET sql_mode = 'ANSI_QUOTES'", true, true, false},
        SessionCase{"SET SESSION sql_mode = ''", true, true, false},
        SessionCase{"SET LOCAL time_zone = '+00:00'", true, true, false},
        SessionCase{"SET @@session.time_zone = 'UTC'", true, true, false},
        SessionCase{"SET @@time_zone := 'Europe/Paris'", true, true, false},
        SessionCase{"SET autocommit = 0, sql_mode = ''", true, true, false},
        SessionCase{"SET sql_select_limit = 10", true, true, false},
        SessionCase{"SET sql_select_limit = 1000 * 2", true, true, false},
        SessionCase{"SET sql_mode = DEFAULT", true, true, false},
        SessionCase{"SET character_set_results = NULL", true, true, false},
        SessionCase{"SET time_zone = SYSTEM", true, true, false},
        SessionCase{"SET keycache1.key_buffer_size = 1024", true, true, false},
        SessionCase{"/*!40101 SET NAMES utf8 */", true, true, false},
        SessionCase{"SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')", true, false, false},
        SessionCase{"SET sql_mode = (SELECT 'ANSI')", true, false, false},
        SessionCase{"SET time_zone = @tz", true, false, false},
        SessionCase{"SET @@session.sql_mode = @@global.sql_mode", true, false, false},
        SessionCase{"SET timestamp = UNIX_TIMESTAMP()", true, false, false},
        SessionCase{"SET sql_mode = 'A', time_zone = my_tz()", true, false, false},
        SessionCase{"SET GLOBAL max_connections = 100", true, true, true},
        SessionCase{"SET @@global.sql_mode = ''", true, true, true},
        SessionCase{"SET PERSIST max_connections = 100", true, true, true},
        SessionCase{"SET SESSION a = 1, GLOBAL b = 2", true, true, true},
        // only the next transaction
        SessionCase{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", false, true, false},
        SessionCase{"SET SESSION TRANSACTION READ ONLY", true, true, false},
        SessionCase{"SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE", true, true, true},
        SessionCase{"SET ROLE ALL", true, true, false},
        SessionCase{"SET ROLE 'admin'@'%'", true, false, false},
        // user variables alone change nothing a cacheable statement can read
        SessionCase{"SET @a = 1", false, true, false},
        SessionCase{"SET @a := NOW(), @b = (SELECT 1)", false, true, false},
        SessionCase{"SET @a = 1, sql_mode = ''", true, true, false},
        // settings that change how statements run, never what a read returns
        SessionCase{"SET autocommit = 0", false, true, false},
        SessionCase{"SET autocommit = ON, sql_safe_updates = OFF", false, true, false},
        SessionCase{"SET @@session.autocommit = 1", false, true, false},
        SessionCase{"SET SESSION innodb_lock_wait_timeout = 5, foreign_key_checks = 0", false, true,
                    false},
        SessionCase{"SET max_execution_time = (SELECT 1)", false, true, false},
        SessionCase{"SET GLOBAL autocommit = 0", true, true, true},
        // statement-scoped and account changes
        SessionCase{"SET STATEMENT max_statement_time = 5 FOR SELECT * FROM t", false, true, false},
        SessionCase{"SET PASSWORD = 'x'", false, true, false},
        SessionCase{"SET DEFAULT ROLE ALL TO u", false, true, false},
        // text we cannot read: assume the worst
        SessionCase{"SET = 1", true, false, false},
        SessionCase{"SET sql_mode 'x'", true, false, false}));

INSTANTIATE_TEST_SUITE_P(Use, SessionState,
                         testing::Values(SessionCase{"USE shop", true, true, false},
                                         SessionCase{"use `my shop`", true, true, false},
                                         SessionCase{"USE", true, false, false},
                                         SessionCase{"USE a b", true, false, false}));

TEST(SessionAnalysis, UseNamesTheSchemaUnquotedAndAsWritten) {
  EXPECT_EQ(analyze("USE Shop").use_schema, "Shop");
  EXPECT_EQ(analyze("use `my``shop`;").use_schema, "my`shop");
  EXPECT_EQ(analyze("USE shop").kind, StatementKind::Use);
  EXPECT_EQ(analyze("USE").use_schema, "");
}

TEST(SessionAnalysis, SetIsItsOwnKindAndWritesNothing) {
  const Analysis a = analyze("SET NAMES utf8mb4");
  EXPECT_EQ(a.kind, StatementKind::Set);
  EXPECT_EQ(a.reason, BypassReason::NotSelect);
  EXPECT_TRUE(a.tables_written.empty());
  EXPECT_FALSE(a.writes_unknown_tables);
}

TEST(SessionAnalysis, SetKeyTextIsNormalised) {
  EXPECT_EQ(analyze("set  names   utf8mb4").normalized, analyze("SET NAMES utf8mb4").normalized);
  EXPECT_NE(analyze("SET time_zone = '+00:00'").normalized,
            analyze("SET time_zone = '+01:00'").normalized);
}

// Bug found by fuzz_sql_analysis: NEXT VALUE FOR s (and PREVIOUS VALUE FOR s) counted as a
// literal, so the new value was taken as known from the text (and the sequence name was
// upper-cased in the key text as if it were a keyword).
TEST(SessionAnalysis, SequenceValueIsNotALiteral) {
  for (const char* sql : {"SET max_join_size = NEXT VALUE FOR seq",
                          "SET SESSION sql_select_limit = PREVIOUS VALUE FOR db.seq",
                          "SET @a = 1, max_join_size = NEXT VALUE FOR seq"}) {
    const Analysis a = analyze(sql);
    EXPECT_TRUE(a.changes_session_state) << sql;
    EXPECT_FALSE(a.session_state_deterministic) << sql;
    EXPECT_NE(a.normalized.find("seq"), std::string::npos) << sql;
  }
  EXPECT_EQ(analyze("SET max_join_size = NEXT VALUE FOR seq").tables_written,
            (std::vector<TableName>{{"", "seq"}}));
  // Deterministic values around a user variable's sequence stay deterministic.
  EXPECT_TRUE(analyze("SET @a = NEXT VALUE FOR seq, sql_mode = ''").session_state_deterministic);
}

TEST(SessionAnalysis, PasswordChangesWriteGrantTables) {
  EXPECT_TRUE(analyze("SET PASSWORD FOR u = 'x'").writes_unknown_tables);
}

TEST(SessionAnalysis, MultiStatementCarriesSessionChanges) {
  const Analysis a = analyze("USE a; SET sql_mode = CONCAT(@@sql_mode, 'X'); USE b");
  EXPECT_EQ(a.kind, StatementKind::Multi);
  EXPECT_TRUE(a.changes_session_state);
  EXPECT_FALSE(a.session_state_deterministic);
  EXPECT_EQ(a.use_schema, "b");
}

TEST(SessionAnalysis, SelectChangesNoSessionState) {
  const Analysis a = analyze("SELECT * FROM t");
  EXPECT_FALSE(a.changes_session_state);
  EXPECT_TRUE(a.session_state_deterministic);
  EXPECT_TRUE(a.use_schema.empty());
}

}  // namespace
}  // namespace sqlcache::cache
