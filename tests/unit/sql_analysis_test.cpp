// Which SELECTs may be cached, why the others are not, and which tables a SELECT reads.
// Each row: statement, expected reason (None = cacheable), expected tables_read (sorted,
// schema-qualified when written so; nullptr = not checked).
#include <gtest/gtest.h>

#include <string>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {
namespace {

using R = BypassReason;

std::string spell_tables(const std::vector<TableName>& tables) {
  std::string out;
  for (const TableName& t : tables) {
    if (!out.empty()) out += ", ";
    if (!t.schema.empty()) out += t.schema + ".";
    out += t.table;
  }
  return out;
}

struct ReadCase {
  const char* sql;
  R reason;
  const char* tables;
};

void PrintTo(const ReadCase& c, std::ostream* os) { *os << testing::PrintToString(c.sql); }

class SelectVerdict : public testing::TestWithParam<ReadCase> {};

TEST_P(SelectVerdict, MatchesTheRules) {
  const ReadCase& c = GetParam();
  const Analysis a = analyze(c.sql);
  EXPECT_EQ(to_string(a.reason), to_string(c.reason)) << c.sql;
  EXPECT_EQ(a.cacheable, c.reason == R::None) << c.sql;
  if (c.tables != nullptr) {
    EXPECT_EQ(spell_tables(a.tables_read), c.tables) << c.sql;
  }
}

// --- cacheable reads, and the tables they read ----------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Cacheable, SelectVerdict,
    testing::Values(
        ReadCase{"SELECT * FROM t", R::None, "t"}, ReadCase{"select * from t;", R::None, "t"},
        ReadCase{"SELECT a, b FROM t WHERE id = 1", R::None, "t"},
        ReadCase{"SELECT * FROM db.t", R::None, "db.t"},
        ReadCase{"SELECT * FROM `db`.`t`", R::None, "db.t"},
        ReadCase{"SELECT * FROM `a.b`", R::None, "a.b"},
        ReadCase{"SELECT * FROM `we``ird`", R::None, "we`ird"},
        ReadCase{"SELECT * FROM MyTable", R::None, "MyTable"},
        ReadCase{"SELECT * FROM db . t", R::None, "db.t"},
        ReadCase{"SELECT * FROM db.`select`", R::None, "db.select"},
        ReadCase{"SELECT * FROM t1, t2 WHERE t1.a = t2.a", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 JOIN t2 ON t1.a = t2.a", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 INNER JOIN t2 USING (a)", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a LEFT OUTER JOIN t3 ON t3.b = t2.b",
                 R::None, "t1, t2, t3"},
        ReadCase{"SELECT * FROM t1 RIGHT JOIN t2 ON 1 = 1", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 CROSS JOIN t2", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 NATURAL JOIN t2", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 NATURAL LEFT JOIN t2", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 STRAIGHT_JOIN t2 ON t1.a = t2.a", R::None, "t1, t2"},
        ReadCase{"SELECT STRAIGHT_JOIN * FROM t1, t2", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 JOIN t2 ON t1.a = t2.a, t3", R::None, "t1, t2, t3"},
        ReadCase{"SELECT * FROM t1 LEFT JOIN (t2, t3) ON t2.a = t1.a", R::None, "t1, t2, t3"},
        ReadCase{"SELECT * FROM (t1 JOIN t2 ON t1.a = t2.a) JOIN t3 ON 1", R::None, "t1, t2, t3"},
        ReadCase{"SELECT * FROM t1 JOIN t2 ON LEFT(t1.a, 2) = RIGHT(t2.b, 2)", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t AS x", R::None, "t"},
        ReadCase{"SELECT * FROM t x WHERE x.a = 1", R::None, "t"},
        ReadCase{"SELECT * FROM t AS `my alias`", R::None, "t"},
        ReadCase{"SELECT * FROM t USE INDEX (i1) WHERE a = 1", R::None, "t"},
        ReadCase{"SELECT * FROM t AS x FORCE INDEX FOR JOIN (i1, i2) IGNORE KEY FOR ORDER BY (i3)",
                 R::None, "t"},
        ReadCase{"SELECT * FROM t IGNORE INDEX FOR GROUP BY (i) JOIN u USE KEY () ON 1", R::None,
                 "t, u"},
        ReadCase{"SELECT * FROM t PARTITION (p0, p1) AS x", R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE a IN (SELECT b FROM u)", R::None, "t, u"},
        ReadCase{"SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)", R::None, "t, u"},
        ReadCase{"SELECT * FROM t WHERE NOT EXISTS(SELECT 1 FROM db2.u)", R::None, "t, db2.u"},
        ReadCase{"SELECT (SELECT MAX(b) FROM u) AS m, a FROM t", R::None, "t, u"},
        ReadCase{"SELECT a FROM t GROUP BY a HAVING COUNT(*) > (SELECT COUNT(*) FROM u)", R::None,
                 "t, u"},
        ReadCase{"SELECT * FROM t WHERE a = ANY (SELECT b FROM u) OR a > ALL (SELECT c FROM v)",
                 R::None, "t, u, v"},
        ReadCase{
            "SELECT * FROM t WHERE (a, b) IN (SELECT c, d FROM u WHERE e IN (SELECT f FROM w))",
            R::None, "t, u, w"},
        ReadCase{"SELECT * FROM (SELECT a FROM t) AS d", R::None, "t"},
        ReadCase{"SELECT * FROM (SELECT a FROM t) d JOIN u ON d.a = u.a", R::None, "t, u"},
        ReadCase{"SELECT * FROM (SELECT a FROM t) AS d (x)", R::None, "t"},
        ReadCase{"SELECT d.* FROM ((SELECT a FROM t) UNION (SELECT a FROM u)) AS d", R::None,
                 "t, u"},
        ReadCase{"SELECT * FROM ((SELECT a FROM t) AS x JOIN u ON 1)", R::None, "t, u"},
        ReadCase{"SELECT * FROM (SELECT * FROM (SELECT * FROM deep) a) b", R::None, "deep"},
        ReadCase{"SELECT a FROM t UNION SELECT a FROM u", R::None, "t, u"},
        ReadCase{"SELECT a FROM t UNION ALL SELECT a FROM u UNION DISTINCT SELECT a FROM v",
                 R::None, "t, u, v"},
        ReadCase{"(SELECT a FROM t ORDER BY a LIMIT 1) UNION (SELECT a FROM u) ORDER BY 1", R::None,
                 "t, u"},
        ReadCase{"((SELECT a FROM t))", R::None, "t"},
        ReadCase{"SELECT a FROM t EXCEPT SELECT a FROM u", R::None, "t, u"},
        ReadCase{"SELECT a FROM t INTERSECT SELECT a FROM u", R::None, "t, u"},
        ReadCase{"WITH c AS (SELECT a FROM t) SELECT * FROM c", R::None, "t"},
        ReadCase{"WITH a AS (SELECT * FROM t1), b AS (SELECT * FROM a JOIN t2) SELECT * FROM b",
                 R::None, "t1, t2"},
        ReadCase{"WITH c (x, y) AS (SELECT a, b FROM t) SELECT x FROM c", R::None, "t"},
        ReadCase{"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) "
                 "SELECT * FROM r JOIN t ON t.id = r.n",
                 R::None, "t"},
        ReadCase{"WITH c AS (SELECT 1) SELECT * FROM db.c", R::None, "db.c"},
        ReadCase{"SELECT * FROM t WHERE a IN (WITH c AS (SELECT b FROM u) SELECT b FROM c)",
                 R::None, "t, u"},
        // a plain CTE does not see itself: `c` inside its own body is a base table
        ReadCase{"WITH c AS (SELECT * FROM c) SELECT * FROM c", R::None, "c"},
        // CTE names are matched exactly; C is (also) a table
        ReadCase{"WITH c AS (SELECT 1) SELECT * FROM C", R::None, "C"},
        ReadCase{"SELECT 'FOR UPDATE' FROM t", R::None, "t"},
        ReadCase{"SELECT 'NOW()', \"RAND()\", '@v', '?' FROM t", R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE c = '\\'; DROP TABLE x; --'", R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE c = 'it''s; DELETE FROM t'", R::None, "t"},
        ReadCase{"SELECT * FROM t -- FOR UPDATE", R::None, "t"},
        ReadCase{"SELECT * FROM t /* FOR UPDATE */", R::None, "t"},
        ReadCase{"SELECT * FROM t # SQL_NO_CACHE", R::None, "t"},
        ReadCase{"SELECT * FROM /* a comment */ t /* another */ WHERE a = 1", R::None, "t"},
        ReadCase{"SELECT COUNT(*), SUM(a), AVG(b), MIN(c), MAX(d) FROM t", R::None, "t"},
        ReadCase{"SELECT CONCAT(a, '-', b), LOWER(c), UPPER(d), SUBSTRING(e, 1, 3) FROM t", R::None,
                 "t"},
        ReadCase{"SELECT SUBSTRING(e FROM 2 FOR 3), TRIM(LEADING 'x' FROM f) FROM t", R::None, "t"},
        ReadCase{"SELECT EXTRACT(YEAR FROM d), POSITION('a' IN s) FROM t", R::None, "t"},
        ReadCase{"SELECT CAST(a AS CHAR(10)), CAST(b AS DECIMAL(10,2)), CONVERT(c, SIGNED) FROM t",
                 R::None, "t"},
        ReadCase{"SELECT CAST(d AS DATETIME(6)), CONVERT(s USING utf8mb4) FROM t", R::None, "t"},
        ReadCase{"SELECT COALESCE(a, 0), IFNULL(b, 1), NULLIF(c, 2), IF(d, 1, 2) FROM t", R::None,
                 "t"},
        ReadCase{"SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END FROM t", R::None, "t"},
        ReadCase{"SELECT DATE_FORMAT(d, '%Y'), DATE_ADD(d, INTERVAL 1 DAY), YEAR(d) FROM t",
                 R::None, "t"},
        ReadCase{"SELECT GROUP_CONCAT(DISTINCT a ORDER BY b SEPARATOR ',') FROM t", R::None, "t"},
        ReadCase{"SELECT JSON_EXTRACT(j, '$.a'), JSON_UNQUOTE(j->'$.b'), j->>'$.c' FROM t", R::None,
                 "t"},
        ReadCase{"SELECT JSON_OBJECT('a', 1), JSON_ARRAYAGG(a) FROM t", R::None, "t"},
        ReadCase{"SELECT JSON_VALUE(j, '$.a' RETURNING DECIMAL(10,2)) FROM t", R::None, "t"},
        ReadCase{"SELECT MD5(a), SHA2(b, 256), HEX(c), ROUND(d, 2), FLOOR(e), ABS(f) FROM t",
                 R::None, "t"},
        ReadCase{"SELECT ST_Distance(a, b), MBRContains(a, b) FROM t", R::None, "t"},
        ReadCase{"SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c) FROM t", R::None, "t"},
        ReadCase{"SELECT SUM(a) OVER w FROM t WINDOW w AS (ORDER BY b ROWS BETWEEN 1 PRECEDING "
                 "AND CURRENT ROW)",
                 R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE MATCH (a, b) AGAINST ('x' IN BOOLEAN MODE)", R::None, "t"},
        ReadCase{"SELECT COUNT (*) FROM t", R::None, "t"},
        ReadCase{"SELECT DISTINCT a FROM t ORDER BY a DESC LIMIT 10 OFFSET 5", R::None, "t"},
        ReadCase{"SELECT a FROM t GROUP BY a WITH ROLLUP", R::None, "t"},
        ReadCase{"SELECT a FROM t LIMIT 5, 10", R::None, "t"},
        ReadCase{"SELECT HIGH_PRIORITY SQL_BUFFER_RESULT SQL_CACHE a FROM t", R::None, "t"},
        ReadCase{"SELECT /*+ MAX_EXECUTION_TIME(1000) */ a FROM t", R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE d > DATE '2020-01-01' AND ts < TIMESTAMP '2021-01-01'",
                 R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE a = _utf8mb4'x' COLLATE utf8mb4_bin", R::None, "t"},
        ReadCase{"SELECT t.current_date FROM t", R::None, "t"},
        ReadCase{"SELECT * FROM t WHERE user = 'bob' AND `database` = 'x'", R::None, "t"},
        ReadCase{"SELECT * FROM jt, JSON_TABLE(jt.j, '$[*]' COLUMNS (id INT PATH '$.id', "
                 "name VARCHAR(40) PATH '$.n', NESTED PATH '$.x' COLUMNS (y BIT(8) PATH '$'), "
                 "ord FOR ORDINALITY)) AS tt",
                 R::None, "jt"},
        ReadCase{"SELECT * FROM t1, LATERAL (SELECT * FROM t2 WHERE t2.a = t1.a) AS d", R::None,
                 "t1, t2"},
        ReadCase{"SELECT * FROM t WHERE a IN (TABLE u)", R::None, "t, u"},
        ReadCase{"SELECT * FROM t WHERE (a) IN (VALUES ROW(1), ROW(2))", R::None, "t"},
        ReadCase{"SELECT 1 FROM t WHERE b = 'x' /*!40100 AND c = 1 */", R::None, "t"},
        ReadCase{"SELECT /*!50001 DISTINCT */ a FROM t", R::None, "t"},
        ReadCase{"SELECT * FROM 1t", R::None, "1t"},
        // non-reserved words are aliases: the table after them still counts
        ReadCase{"SELECT * FROM t1 offset, t2", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM t1 status JOIN t2 value ON status.a = value.a", R::None, "t1, t2"},
        ReadCase{"SELECT * FROM `my/*x*/table`", R::None, "my/*x*/table"},
        ReadCase{"SELECT * FROM db/* comment */.t", R::None, "db.t"},
        ReadCase{"SELECT status FROM status", R::None, "status"}));

// --- bypassed reads -----------------------------------------------------------------------
INSTANTIATE_TEST_SUITE_P(
    Bypassed, SelectVerdict,
    testing::Values(
        // non-deterministic and session-dependent functions
        ReadCase{"SELECT NOW() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"select NoW() from t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d > SYSDATE()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d = CURDATE()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT CURTIME() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d > CURRENT_DATE", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d > current_date()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT CURRENT_TIME, CURRENT_TIMESTAMP FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d < LOCALTIME", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE d < localtimestamp", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT UTC_DATE, UTC_TIME(), UTC_TIMESTAMP FROM t", R::NonDeterministicFunction,
                 "t"},
        ReadCase{"SELECT UNIX_TIMESTAMP() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT UNIX_TIMESTAMP(d) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t ORDER BY RAND() LIMIT 1", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT UUID(), UUID_SHORT() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT SYS_GUID() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT CONNECTION_ID() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE id = LAST_INSERT_ID()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT FOUND_ROWS()", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT ROW_COUNT() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE owner = USER()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE owner = CURRENT_USER", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE owner = current_user()", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT SESSION_USER(), SYSTEM_USER() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT CURRENT_ROLE() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT DATABASE(), a FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT SCHEMA() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT VERSION() FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT SLEEP(1) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT BENCHMARK(10, MD5('a')) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT GET_LOCK('x', 1), RELEASE_LOCK('x') FROM t", R::NonDeterministicFunction,
                 "t"},
        ReadCase{"SELECT IS_FREE_LOCK('x'), IS_USED_LOCK('x'), RELEASE_ALL_LOCKS() FROM t",
                 R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT MASTER_POS_WAIT('f', 4), MASTER_GTID_WAIT('0-1-1') FROM t",
                 R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT LOAD_FILE('/etc/passwd') FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT RANDOM_BYTES(8) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d < NOW())",
                 R::NonDeterministicFunction, "t, u"},
        ReadCase{"WITH c AS (SELECT RAND() r FROM t) SELECT * FROM c", R::NonDeterministicFunction,
                 "t"},
        ReadCase{"SELECT * FROM t WHERE d > NOW() - INTERVAL 1 DAY", R::NonDeterministicFunction,
                 "t"},
        ReadCase{"SELECT /*!50000 NOW() */ FROM t", R::NonDeterministicFunction, "t"},
        // sequences (MariaDB)
        ReadCase{"SELECT NEXTVAL(s)", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT LASTVAL(s)", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT SETVAL(s, 10)", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT NEXT VALUE FOR s", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT PREVIOUS VALUE FOR db.s", R::NonDeterministicFunction, ""},
        ReadCase{"SELECT s.nextval", R::NonDeterministicFunction, ""},
        // stored functions and UDFs: unknown names
        ReadCase{"SELECT my_func(a) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT db.my_func(a) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT `my func`(a) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT * FROM t WHERE a = f (1)", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT CONCAT ('a', b) FROM t", R::NonDeterministicFunction, "t"},
        ReadCase{"SELECT bit(1) FROM t", R::NonDeterministicFunction, "t"},
        // variables
        ReadCase{"SELECT * FROM t WHERE a = @v", R::UserVariable, "t"},
        ReadCase{"SELECT @v := a FROM t", R::UserVariable, "t"},
        ReadCase{"SELECT * FROM t WHERE a = @`quoted var`", R::UserVariable, "t"},
        ReadCase{"SELECT @@version", R::SystemVariable, ""},
        ReadCase{"SELECT * FROM t WHERE a = @@session.sql_mode", R::SystemVariable, "t"},
        ReadCase{"SELECT @@global.max_connections FROM t", R::SystemVariable, "t"},
        // locking reads
        ReadCase{"SELECT * FROM t FOR UPDATE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t WHERE id = 1 FOR SHARE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t LOCK IN SHARE MODE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t FOR\n  UPDATE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t FOR /* why not */ UPDATE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t FOR -- comment\nUPDATE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t for update nowait", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t FOR UPDATE OF t SKIP LOCKED", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t LOCK\tIN\nSHARE\r\nMODE", R::LockingRead, "t"},
        ReadCase{"SELECT * FROM t WHERE a IN (SELECT b FROM u FOR UPDATE)", R::LockingRead, "t, u"},
        ReadCase{"SELECT * FROM t /*!50000 FOR UPDATE */", R::LockingRead, "t"},
        // SELECT ... INTO
        ReadCase{"SELECT a INTO @v FROM t", R::SelectInto, nullptr},
        ReadCase{"SELECT a FROM t INTO @v", R::SelectInto, nullptr},
        ReadCase{"SELECT * FROM t INTO OUTFILE '/tmp/x'", R::SelectInto, nullptr},
        ReadCase{"SELECT * FROM t INTO DUMPFILE '/tmp/x'", R::SelectInto, nullptr},
        ReadCase{"SELECT a INTO local_var FROM t", R::SelectInto, nullptr},
        // SQL_NO_CACHE and our own hint
        ReadCase{"SELECT SQL_NO_CACHE * FROM t", R::NoCacheHint, "t"},
        ReadCase{"SELECT /*!40001 SQL_NO_CACHE */ * FROM t", R::NoCacheHint, "t"},
        ReadCase{"select sql_no_cache a from t", R::NoCacheHint, "t"},
        ReadCase{"SELECT /*+ sqlcache off */ * FROM t", R::HintOff, "t"},
        ReadCase{"SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 10", R::SessionSideEffect, "t"},
        // placeholders only belong to prepared statements
        ReadCase{"SELECT * FROM t WHERE a = ?", R::Placeholder, "t"},
        // system schemas
        ReadCase{"SELECT * FROM information_schema.tables", R::SystemSchema,
                 "information_schema.tables"},
        ReadCase{"SELECT * FROM INFORMATION_SCHEMA.PROCESSLIST", R::SystemSchema, nullptr},
        ReadCase{"SELECT * FROM performance_schema.threads", R::SystemSchema, nullptr},
        ReadCase{"SELECT user FROM mysql.user", R::SystemSchema, "mysql.user"},
        ReadCase{"SELECT * FROM `sys`.`session`", R::SystemSchema, "sys.session"},
        ReadCase{"SELECT * FROM t WHERE a IN (SELECT table_name FROM information_schema.tables)",
                 R::SystemSchema, nullptr},
        // nothing to protect
        ReadCase{"SELECT 1", R::NoTables, ""}, ReadCase{"SELECT 'a'", R::NoTables, ""},
        ReadCase{"SELECT 1 -- comment", R::NoTables, ""}, ReadCase{"SELECT 1 --1", R::NoTables, ""},
        ReadCase{"SELECT 1 FROM DUAL", R::NoTables, ""},
        ReadCase{"SELECT (SELECT 1)", R::NoTables, ""},
        ReadCase{"SELECT * FROM (SELECT 1) AS d", R::NoTables, ""},
        ReadCase{"WITH c AS (SELECT 1) SELECT * FROM c", R::NoTables, ""},
        ReadCase{"SELECT 1 UNION SELECT 2", R::NoTables, ""},
        // text we do not understand well enough
        ReadCase{"SELECT * FROM \"t\"", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t WHERE a = 'abc", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t /* unterminated", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM `t", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t WHERE (a = 1", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t WHERE a = 1)", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01'", R::Unparsable,
                 nullptr},
        ReadCase{"SELECT * FROM { OJ t1 LEFT OUTER JOIN t2 ON t1.a = t2.a }", R::Unparsable,
                 nullptr},
        ReadCase{"SELECT * FROM t1 LEFT t2", R::Unparsable, nullptr},
        // a word one server reserves and the other may not: never skip past it
        ReadCase{"SELECT * FROM t1 window, t2", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t1 rows, t2", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t1 x y, t2", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t1 count(*)", R::Unparsable, nullptr},
        // versioned comments an unknown server may skip or run
        ReadCase{"SELECT * FROM t1 /*!99999 WHERE 1 */ , t2", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t /*M!100100 WHERE a = NOW() */", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM", R::Unparsable, nullptr},
        ReadCase{"SELECT a FROM t WHERE b FROM u", R::Unparsable, nullptr},
        ReadCase{"SELECT * FROM t WHERE a = \\x", R::Unparsable, nullptr},
        ReadCase{"SELECT 1 UNION VALUES ROW(2)", R::Unparsable, nullptr},
        ReadCase{"(SELECT a FROM t) UNION (SELECT a FROM", R::Unparsable, nullptr},
        // not a single SELECT
        ReadCase{"SELECT * FROM t WHERE c = '\\''; DROP TABLE x; --'", R::Unparsable, nullptr},
        ReadCase{"SELECT 1; SELECT 2", R::MultiStatement, nullptr},
        ReadCase{"SELECT * FROM t;;", R::MultiStatement, nullptr},
        ReadCase{"SELECT * FROM t; DROP TABLE t", R::MultiStatement, nullptr},
        ReadCase{"SHOW TABLES", R::NotSelect, ""}, ReadCase{"VALUES ROW(1)", R::NotSelect, ""},
        ReadCase{"TABLE t", R::NotSelect, ""}, ReadCase{"", R::NotSelect, ""},
        ReadCase{" -- nothing\n", R::NotSelect, ""}, ReadCase{";", R::NotSelect, ""}));

TEST(SelectAnalysis, KindIsSelectForQueryForms) {
  for (const char* sql : {"SELECT 1", "select * from t", "(SELECT 1)",
                          "WITH c AS (SELECT 1) "
                          "SELECT * FROM c",
                          "/* hi */ SELECT 1", "/*!40001 SELECT 1 */"}) {
    EXPECT_EQ(analyze(sql).kind, StatementKind::Select) << sql;
  }
}

TEST(SelectAnalysis, PlaceholdersAreFineWhenPrepared) {
  const Analysis a = analyze("SELECT * FROM t WHERE a = ? AND b IN (?, ?)", true);
  EXPECT_TRUE(a.cacheable);
  EXPECT_EQ(a.reason, BypassReason::None);
  AnalyzeOptions options;
  options.prepared = true;
  EXPECT_TRUE(analyze("SELECT a FROM t LIMIT ?", options).cacheable);
}

TEST(SelectAnalysis, PreparedStillBypassesOtherReasons) {
  EXPECT_EQ(analyze("SELECT NOW() FROM t WHERE a = ?", true).reason,
            BypassReason::NonDeterministicFunction);
  EXPECT_EQ(analyze("SELECT * FROM t WHERE a = ? FOR UPDATE", true).reason,
            BypassReason::LockingRead);
}

TEST(SelectAnalysis, SelectsWriteNothingUsually) {
  const Analysis a = analyze("SELECT * FROM t JOIN u ON t.a = u.a WHERE b IN (SELECT c FROM v)");
  EXPECT_TRUE(a.tables_written.empty());
  EXPECT_FALSE(a.writes_unknown_tables);
  EXPECT_FALSE(a.changes_session_state);
}

TEST(SelectAnalysis, StoredFunctionMayWriteAnything) {
  const Analysis a = analyze("SELECT my_func(a) FROM t");
  EXPECT_TRUE(a.writes_unknown_tables);
  EXPECT_FALSE(analyze("SELECT NOW(), RAND(), GET_LOCK('a', 1) FROM t").writes_unknown_tables);
}

TEST(SelectAnalysis, NextvalWritesTheSequence) {
  Analysis a = analyze("SELECT NEXTVAL(db.s)");
  ASSERT_EQ(a.tables_written.size(), 1u);
  EXPECT_EQ(a.tables_written[0], (TableName{"db", "s"}));
  a = analyze("SELECT NEXT VALUE FOR s, SETVAL(`u`, 5)");
  EXPECT_EQ(spell_tables(a.tables_written), "s, u");
  EXPECT_FALSE(a.writes_unknown_tables);
  a = analyze("SELECT db.s.nextval");
  EXPECT_EQ(spell_tables(a.tables_written), "db.s");
  EXPECT_TRUE(analyze("SELECT LASTVAL(s), PREVIOUS VALUE FOR s").tables_written.empty());
}

TEST(SelectAnalysis, UnparsableSelectWithUnknownCallMayWrite) {
  EXPECT_TRUE(analyze("SELECT * FROM \"t\" WHERE f(a)").writes_unknown_tables);
  EXPECT_FALSE(analyze("SELECT * FROM \"t\" WHERE COUNT(a)").writes_unknown_tables);
}

TEST(SelectAnalysis, TablesAreSortedAndUnique) {
  const Analysis a = analyze("SELECT * FROM z, a, db.m, a AS again, z AS z2, db.m AS m2");
  EXPECT_EQ(spell_tables(a.tables_read), "a, z, db.m");
}

TEST(SelectAnalysis, NoBackslashEscapesChangesWhereStringsEnd) {
  AnalyzeOptions options;
  options.lexical.backslash_escapes = false;
  const char* sql = "SELECT * FROM t WHERE c = '\\'; DROP TABLE x; -- '";
  const Analysis a = analyze(sql, options);
  EXPECT_EQ(a.kind, StatementKind::Multi);
  EXPECT_FALSE(a.cacheable);
  EXPECT_EQ(spell_tables(a.tables_written), "x");
  EXPECT_EQ(analyze(sql).kind, StatementKind::Select);
}

TEST(SelectAnalysis, AnsiQuotesMakeDoubleQuotedTablesReadable) {
  AnalyzeOptions options;
  options.lexical.ansi_quotes = true;
  const Analysis a = analyze("SELECT \"a\" FROM \"My Table\"", options);
  EXPECT_TRUE(a.cacheable);
  EXPECT_EQ(spell_tables(a.tables_read), "My Table");
}

TEST(SelectAnalysis, KnownServerDecidesVersionedComments) {
  const char* sql = "SELECT * FROM t1 /*!99999 WHERE 1 */ , t2";
  AnalyzeOptions mariadb;
  mariadb.lexical.flavor = ServerFlavor::MariaDB;
  mariadb.lexical.server_version = 101106;
  Analysis a = analyze(sql, mariadb);
  EXPECT_TRUE(a.cacheable);
  EXPECT_EQ(spell_tables(a.tables_read), "t1, t2");

  a = analyze("SELECT * FROM t /*M!100100 WHERE a = NOW() */", mariadb);
  EXPECT_EQ(a.reason, BypassReason::NonDeterministicFunction);
  AnalyzeOptions mysql;
  mysql.lexical.flavor = ServerFlavor::MySQL;
  mysql.lexical.server_version = 80034;
  a = analyze("SELECT * FROM t /*M!100100 WHERE a = NOW() */", mysql);
  EXPECT_TRUE(a.cacheable);
  EXPECT_EQ(analyze("SELECT * FROM t /*!80000 FOR UPDATE */", mysql).reason,
            BypassReason::LockingRead);
}

TEST(SelectAnalysis, DeepNestingIsBoundedNotACrash) {
  std::string sql = "SELECT * FROM t WHERE a IN ";
  for (int i = 0; i < 5000; ++i) sql += "(SELECT b FROM u WHERE c IN ";
  sql += "(1)";
  for (int i = 0; i < 5000; ++i) sql += ")";
  const Analysis a = analyze(sql);
  EXPECT_FALSE(a.cacheable);
  EXPECT_EQ(a.reason, BypassReason::Unparsable);

  std::string parens(100000, '(');
  EXPECT_FALSE(analyze("SELECT " + parens).cacheable);
}

// Bug found by fuzz_sql_analysis: an empty quoted name (``) was taken as a table, and ``.t as
// table t of the session's default schema. The server rejects both (ER_WRONG_TABLE_NAME,
// ER_WRONG_DB_NAME); the analyser must not attribute them to any table.
TEST(SelectAnalysis, EmptyQuotedNameIsNoTable) {
  for (const char* sql : {"SELECT * FROM ``", "SELECT * FROM ``.t", "SELECT * FROM db.``",
                          "SELECT * FROM t JOIN `` ON 1"}) {
    const Analysis a = analyze(sql);
    EXPECT_EQ(a.reason, BypassReason::Unparsable) << sql;
    EXPECT_TRUE(a.tables_read.empty()) << sql;
  }
  // Each write, and the name it must not report (u of the default schema, or an empty name).
  const std::pair<const char*, const char*> writes[] = {{"UPDATE ``.u SET a = 1", "u"},
                                                        {"DELETE FROM ``", ""},
                                                        {"INSERT INTO db.`` VALUES (1)", ""},
                                                        {"DROP TABLE t, ``.u", "u"}};
  for (const auto& [sql, wrong] : writes) {
    const Analysis a = analyze(sql);
    EXPECT_TRUE(a.writes_unknown_tables) << sql;
    for (const TableName& t : a.tables_written) EXPECT_NE(t.table, wrong) << sql;
  }
}

// Bug found by fuzz_sql_analysis: in the Oracle-mode form seq.NEXTVAL the word two tokens
// before the sequence was taken as its schema even when it was a keyword (`SELECT .s.nextval`
// advanced "SELECT.s"). A name that is not certain is a write to unknown tables.
TEST(SelectAnalysis, SequenceSchemaMustBeAName) {
  for (const char* sql : {"SELECT .s.nextval", "SELECT a.b.s.nextval", "SELECT 1 + .s.nextval"}) {
    const Analysis a = analyze(sql);
    EXPECT_FALSE(a.cacheable) << sql;
    EXPECT_TRUE(a.writes_unknown_tables) << sql;
    EXPECT_TRUE(a.tables_written.empty()) << sql;
  }
  EXPECT_EQ(analyze("SELECT db.s.nextval").tables_written, (std::vector<TableName>{{"db", "s"}}));
  EXPECT_EQ(analyze("SELECT `select`.s.nextval").tables_written,
            (std::vector<TableName>{{"select", "s"}}));
}

TEST(SelectAnalysis, ReasonNamesAreSnakeCase) {
  EXPECT_EQ(to_string(BypassReason::None), "none");
  EXPECT_EQ(to_string(BypassReason::NotSelect), "not_select");
  EXPECT_EQ(to_string(BypassReason::MultiStatement), "multi_statement");
  EXPECT_EQ(to_string(BypassReason::NonDeterministicFunction), "non_deterministic_function");
  EXPECT_EQ(to_string(BypassReason::UserVariable), "user_variable");
  EXPECT_EQ(to_string(BypassReason::SystemVariable), "system_variable");
  EXPECT_EQ(to_string(BypassReason::LockingRead), "locking_read");
  EXPECT_EQ(to_string(BypassReason::SelectInto), "select_into");
  EXPECT_EQ(to_string(BypassReason::NoCacheHint), "no_cache_hint");
  EXPECT_EQ(to_string(BypassReason::HintOff), "hint_off");
  EXPECT_EQ(to_string(BypassReason::SystemSchema), "system_schema");
  EXPECT_EQ(to_string(BypassReason::NoTables), "no_tables");
  EXPECT_EQ(to_string(BypassReason::TemporaryTable), "temporary_table");
  EXPECT_EQ(to_string(BypassReason::Unparsable), "unparsable");
  EXPECT_EQ(to_string(BypassReason::Placeholder), "placeholder");
  EXPECT_EQ(to_string(BypassReason::SessionSideEffect), "session_side_effect");
}

TEST(SelectAnalysis, SystemSchemaHelperIgnoresCase) {
  for (const char* s : {"information_schema", "PERFORMANCE_SCHEMA", "MySQL", "sys"}) {
    EXPECT_TRUE(is_system_schema(s)) << s;
  }
  for (const char* s : {"", "mysql2", "shop", "system"}) EXPECT_FALSE(is_system_schema(s)) << s;
}

// Bug found by fuzz_sql_analysis: a SET whose value advances a sequence must name the same
// sequence however its text is written (the cache key's normalised text included).
TEST(SelectAnalysis, SetAdvancingASequenceNamesItAfterNormalising) {
  const char* sql = "SET @a = NEXT VALUE FOR seq, sql_mode = ''";
  const Analysis a = analyze(sql);
  const Analysis b = analyze(a.normalized);
  EXPECT_EQ(a.tables_written, b.tables_written) << a.normalized;
  EXPECT_EQ(a.tables_read, b.tables_read) << a.normalized;
  EXPECT_EQ(a.tables_written, (std::vector<TableName>{{"", "seq"}})) << a.normalized;
}

}  // namespace

}  // namespace sqlcache::cache
