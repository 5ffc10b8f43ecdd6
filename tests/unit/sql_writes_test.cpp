// Which tables a statement writes (what invalidation bumps), and when the writes cannot be
// attributed. Each row: statement, kind, tables_written (sorted), writes_unknown_tables.
#include <gtest/gtest.h>

#include <string>

#include "cache/sql_analysis.hpp"

namespace sqlcache::cache {
namespace {

using K = StatementKind;

std::string spell_tables(const std::vector<TableName>& tables) {
  std::string out;
  for (const TableName& t : tables) {
    if (!out.empty()) out += ", ";
    if (!t.schema.empty()) out += t.schema + ".";
    out += t.table;
  }
  return out;
}

struct WriteCase {
  const char* sql;
  K kind;
  const char* written;
  bool unknown;
};

void PrintTo(const WriteCase& c, std::ostream* os) { *os << testing::PrintToString(c.sql); }

class Writes : public testing::TestWithParam<WriteCase> {};

TEST_P(Writes, AttributesTables) {
  const WriteCase& c = GetParam();
  const Analysis a = analyze(c.sql);
  EXPECT_EQ(to_string(a.kind), to_string(c.kind)) << c.sql;
  EXPECT_EQ(spell_tables(a.tables_written), c.written) << c.sql;
  EXPECT_EQ(a.writes_unknown_tables, c.unknown) << c.sql;
  EXPECT_FALSE(a.cacheable) << c.sql;
  if (c.kind != K::Multi) {
    EXPECT_EQ(a.reason, BypassReason::NotSelect) << c.sql;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Dml, Writes,
    testing::Values(
        WriteCase{"INSERT INTO t VALUES (1)", K::Insert, "t", false},
        WriteCase{"insert into t (a, b) values (1, 'x'), (2, 'y')", K::Insert, "t", false},
        WriteCase{"INSERT t SET a = 1", K::Insert, "t", false},
        WriteCase{"INSERT IGNORE INTO db.t(a) VALUES (1)", K::Insert, "db.t", false},
        WriteCase{"INSERT LOW_PRIORITY IGNORE INTO `my db`.`my t` VALUES (1)", K::Insert,
                  "my db.my t", false},
        WriteCase{"INSERT DELAYED INTO t VALUES (1)", K::Insert, "t", false},
        WriteCase{"INSERT INTO t PARTITION (p1) VALUES (1)", K::Insert, "t", false},
        WriteCase{"INSERT INTO t SELECT * FROM u JOIN v ON u.a = v.a", K::Insert, "t", false},
        WriteCase{"INSERT INTO t (a) SELECT a FROM u WHERE b IN (SELECT c FROM w)", K::Insert, "t",
                  false},
        WriteCase{"INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a) + 1", K::Insert,
                  "t", false},
        WriteCase{"INSERT INTO t VALUES (1, 2) AS new ON DUPLICATE KEY UPDATE b = new.b", K::Insert,
                  "t", false},
        WriteCase{"INSERT INTO t VALUES (1, 2) AS new(x, y) ON DUPLICATE KEY UPDATE b = y",
                  K::Insert, "t", false},
        WriteCase{"INSERT INTO t VALUES (NOW(), UUID(), RAND())", K::Insert, "t", false},
        WriteCase{"INSERT INTO t VALUES (NEXTVAL(s))", K::Insert, "s, t", false},
        WriteCase{"INSERT INTO t VALUES (my_func(1))", K::Insert, "t", true},
        WriteCase{"INSERT INTO t TABLE u", K::Insert, "t", false},
        WriteCase{"INSERT INTO t VALUES ROW(1, 2), ROW(3, 4)", K::Insert, "t", false},
        WriteCase{"INSERT INTO t VALUES (1) RETURNING id", K::Insert, "t", false},
        WriteCase{"INSERT INTO year(a) VALUES (1)", K::Insert, "year", false},
        WriteCase{"INSERT INTO \"t\" VALUES (1)", K::Insert, "", true},
        WriteCase{"INSERT INTO VALUES (1)", K::Insert, "", true},
        WriteCase{"REPLACE INTO t VALUES (1)", K::Replace, "t", false},
        WriteCase{"REPLACE t SELECT * FROM u", K::Replace, "t", false},
        WriteCase{"UPDATE t SET a = 1 WHERE id = 2", K::Update, "t", false},
        WriteCase{"update LOW_PRIORITY IGNORE db.t set a = a + 1", K::Update, "db.t", false},
        WriteCase{"UPDATE t AS x SET x.a = 1", K::Update, "t", false},
        WriteCase{"UPDATE t1, t2 SET t1.a = t2.a WHERE t1.id = t2.id", K::Update, "t1, t2", false},
        WriteCase{"UPDATE t1 JOIN t2 ON t1.id = t2.id LEFT JOIN t3 USING (id) SET t1.a = 1",
                  K::Update, "t1, t2, t3", false},
        WriteCase{"UPDATE t SET a = (SELECT MAX(b) FROM u) WHERE c IN (SELECT d FROM v)", K::Update,
                  "t", false},
        WriteCase{"UPDATE t SET a = my_func(b)", K::Update, "t", true},
        WriteCase{"UPDATE t SET a = 'SET b = 1; DELETE FROM u'", K::Update, "t", false},
        WriteCase{"WITH c AS (SELECT id FROM u) UPDATE t JOIN c ON t.id = c.id SET t.a = 1",
                  K::Update, "t", false},
        WriteCase{"UPDATE", K::Update, "", true},
        WriteCase{"DELETE FROM t WHERE id = 1", K::Delete, "t", false},
        WriteCase{"DELETE LOW_PRIORITY QUICK IGNORE FROM db.t", K::Delete, "db.t", false},
        WriteCase{"DELETE FROM t AS x WHERE x.id = 1", K::Delete, "t", false},
        WriteCase{"DELETE FROM t PARTITION (p0) WHERE 1 ORDER BY id LIMIT 10", K::Delete, "t",
                  false},
        WriteCase{"DELETE FROM t WHERE id IN (SELECT id FROM u)", K::Delete, "t", false},
        WriteCase{"DELETE t1, t2 FROM t1 INNER JOIN t2 INNER JOIN t3 WHERE t1.id = t2.id",
                  K::Delete, "t1, t2, t3", false},
        WriteCase{"DELETE a FROM t1 AS a JOIN t2 AS b ON a.id = b.id", K::Delete, "t1, t2", false},
        WriteCase{"DELETE t1.*, t2.* FROM t1 JOIN t2 ON t1.id = t2.id", K::Delete, "t1, t2", false},
        WriteCase{"DELETE FROM t1, t2 USING t1 JOIN t2 JOIN t3 WHERE t1.id = t2.id", K::Delete,
                  "t1, t2, t3", false},
        WriteCase{"DELETE FROM a USING t1 AS a", K::Delete, "t1", false},
        WriteCase{"DELETE FROM t RETURNING *", K::Delete, "t", false},
        WriteCase{"WITH c AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM c)", K::Delete,
                  "t", false},
        WriteCase{"DELETE t1", K::Delete, "", true},
        WriteCase{"DELETE FROM t1 offset WHERE offset.a = 1", K::Delete, "t1", false},
        WriteCase{"DELETE a FROM t1 a window, t2 WHERE 1", K::Delete, "", true},
        WriteCase{"DELETE FROM t1 rows, t2", K::Delete, "t1", true},
        WriteCase{"UPDATE t1 offset, t2 SET t1.a = 1", K::Update, "t1, t2", false},
        WriteCase{"LOAD DATA INFILE '/tmp/x' INTO TABLE t", K::LoadData, "t", false},
        WriteCase{"LOAD DATA LOCAL INFILE 'x.csv' REPLACE INTO TABLE db.t FIELDS TERMINATED BY ','",
                  K::LoadData, "db.t", false},
        WriteCase{"LOAD XML LOCAL INFILE 'x.xml' IGNORE INTO TABLE t ROWS IDENTIFIED BY '<r>'",
                  K::LoadData, "t", false},
        WriteCase{"LOAD DATA INFILE 'x'", K::LoadData, "", true}));

INSTANTIATE_TEST_SUITE_P(
    Ddl, Writes,
    testing::Values(
        WriteCase{"TRUNCATE t", K::Truncate, "t", false},
        WriteCase{"TRUNCATE TABLE db.t", K::Truncate, "db.t", false},
        WriteCase{"ALTER TABLE t ADD COLUMN c INT", K::Alter, "t", false},
        WriteCase{"ALTER TABLE t RENAME TO u", K::Alter, "t, u", false},
        WriteCase{"ALTER TABLE t RENAME AS db2.u", K::Alter, "t, db2.u", false},
        WriteCase{"ALTER TABLE t ADD c INT, RENAME u", K::Alter, "t, u", false},
        WriteCase{"ALTER TABLE t RENAME COLUMN a TO b", K::Alter, "t", false},
        WriteCase{"ALTER TABLE t RENAME INDEX a TO b", K::Alter, "t", false},
        WriteCase{"ALTER TABLE t EXCHANGE PARTITION p WITH TABLE t2", K::Alter, "t, t2", false},
        WriteCase{"ALTER ONLINE IGNORE TABLE IF EXISTS t ENGINE=InnoDB", K::Alter, "t", false},
        WriteCase{"ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u(id)", K::Alter, "t", false},
        WriteCase{"ALTER VIEW v AS SELECT * FROM t", K::Alter, "v", false},
        WriteCase{"ALTER ALGORITHM = MERGE DEFINER = 'root'@'localhost' SQL SECURITY INVOKER VIEW "
                  "db.v AS SELECT 1",
                  K::Alter, "db.v", false},
        WriteCase{"ALTER SEQUENCE s RESTART 10", K::Alter, "s", false},
        WriteCase{"ALTER DATABASE d CHARACTER SET utf8mb4", K::Alter, "", true},
        WriteCase{"ALTER USER u IDENTIFIED BY 'p'", K::Alter, "", true},
        WriteCase{"ALTER PROCEDURE p COMMENT 'x'", K::Alter, "", true},
        WriteCase{"DROP TABLE t", K::Drop, "t", false},
        WriteCase{"DROP TABLE IF EXISTS a, db.b, `c d` CASCADE", K::Drop, "a, c d, db.b", false},
        WriteCase{"DROP TEMPORARY TABLE IF EXISTS tmp", K::Drop, "tmp", false},
        WriteCase{"DROP VIEW IF EXISTS v1, v2", K::Drop, "v1, v2", false},
        WriteCase{"DROP SEQUENCE s", K::Drop, "s", false},
        WriteCase{"DROP INDEX i ON t", K::Drop, "t", false},
        WriteCase{"DROP DATABASE shop", K::Drop, "", true},
        WriteCase{"DROP SCHEMA IF EXISTS `shop`", K::Drop, "", true},
        WriteCase{"DROP PROCEDURE p", K::Drop, "", true},
        WriteCase{"DROP TRIGGER trg", K::Drop, "", true},
        WriteCase{"DROP USER 'a'@'b'", K::Drop, "", true},
        WriteCase{"RENAME TABLE a TO b", K::Rename, "a, b", false},
        WriteCase{"RENAME TABLE a TO b, db.c TO db.d", K::Rename, "a, b, db.c, db.d", false},
        WriteCase{"RENAME TABLE a NOWAIT TO b", K::Rename, "a, b", false},
        WriteCase{"RENAME USER a TO b", K::Rename, "", true},
        WriteCase{"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))", K::Create, "t", false},
        WriteCase{"CREATE TABLE IF NOT EXISTS db.t (id INT)", K::Create, "db.t", false},
        WriteCase{"CREATE TEMPORARY TABLE tmp (id INT)", K::Create, "tmp", false},
        WriteCase{"CREATE OR REPLACE TABLE t AS SELECT * FROM u", K::Create, "t", false},
        WriteCase{"CREATE TABLE t SELECT a FROM u", K::Create, "t", false},
        WriteCase{"CREATE TABLE t LIKE u", K::Create, "t", false},
        WriteCase{"CREATE VIEW v AS SELECT * FROM t", K::Create, "v", false},
        WriteCase{"CREATE OR REPLACE ALGORITHM=MERGE DEFINER=CURRENT_USER SQL SECURITY DEFINER "
                  "VIEW v (a) AS SELECT 1",
                  K::Create, "v", false},
        WriteCase{"CREATE UNIQUE INDEX i USING BTREE ON t (a)", K::Create, "t", false},
        WriteCase{"CREATE INDEX i ON db.t (a)", K::Create, "db.t", false},
        WriteCase{"CREATE SEQUENCE IF NOT EXISTS s START WITH 1", K::Create, "s", false},
        WriteCase{"CREATE DATABASE shop", K::Create, "", true},
        WriteCase{"CREATE PROCEDURE p() BEGIN SELECT 1; END", K::Multi, "", true},
        WriteCase{"CREATE FUNCTION f() RETURNS INT RETURN 1", K::Create, "", true},
        WriteCase{"CREATE DEFINER = u TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                  K::Create, "", true},
        WriteCase{"CREATE USER 'u'@'%'", K::Create, "", true},
        WriteCase{"OPTIMIZE TABLE a, b", K::Other, "a, b", false},
        WriteCase{"REPAIR NO_WRITE_TO_BINLOG TABLE t", K::Other, "t", false}));

INSTANTIATE_TEST_SUITE_P(
    Unattributable, Writes,
    testing::Values(WriteCase{"CALL p(1)", K::Call, "", true},
                    WriteCase{"EXECUTE stmt USING @a", K::Execute, "", true},
                    WriteCase{"PREPARE stmt FROM 'DELETE FROM t'", K::Prepare, "", true},
                    WriteCase{"DO my_func()", K::Do, "", true},
                    WriteCase{"DO (SELECT my_func() FROM t)", K::Do, "", true},
                    WriteCase{"DO (1", K::Do, "", true},
                    WriteCase{"HANDLER t OPEN", K::Handler, "", true},
                    WriteCase{"LOCK TABLES t READ", K::Lock, "", true},
                    WriteCase{"GRANT SELECT ON db.* TO u", K::Grant, "", true},
                    WriteCase{"REVOKE ALL ON *.* FROM u", K::Grant, "", true},
                    WriteCase{"FLUSH TABLES", K::Flush, "", true},
                    WriteCase{"XA COMMIT 'x'", K::Other, "", true},
                    WriteCase{"KILL 42", K::Other, "", true},
                    WriteCase{"BEGIN NOT ATOMIC UPDATE t SET a = 1; END", K::Multi, "", true},
                    WriteCase{"SOMETHING NEW", K::Other, "", true}));

INSTANTIATE_TEST_SUITE_P(
    ReadOnly, Writes,
    testing::Values(WriteCase{"SHOW TABLES", K::Show, "", false},
                    WriteCase{"SHOW CREATE TABLE t", K::Show, "", false},
                    WriteCase{"DESCRIBE t", K::Describe, "", false},
                    WriteCase{"DESC db.t", K::Describe, "", false},
                    WriteCase{"EXPLAIN t", K::Describe, "", false},
                    WriteCase{"EXPLAIN SELECT * FROM t", K::Explain, "", false},
                    WriteCase{"EXPLAIN FORMAT=JSON DELETE FROM t", K::Explain, "", false},
                    WriteCase{"EXPLAIN EXTENDED UPDATE t SET a = 1", K::Explain, "", false},
                    WriteCase{"DESCRIBE DELETE FROM t", K::Explain, "", false},
                    WriteCase{"EXPLAIN FOR CONNECTION 4", K::Explain, "", false},
                    WriteCase{"BEGIN", K::Begin, "", false},
                    WriteCase{"BEGIN WORK", K::Begin, "", false},
                    WriteCase{"START TRANSACTION READ ONLY", K::Begin, "", false},
                    WriteCase{"START TRANSACTION WITH CONSISTENT SNAPSHOT", K::Begin, "", false},
                    WriteCase{"COMMIT", K::Commit, "", false},
                    WriteCase{"COMMIT AND NO CHAIN", K::Commit, "", false},
                    WriteCase{"ROLLBACK", K::Rollback, "", false},
                    WriteCase{"ROLLBACK TO SAVEPOINT s1", K::Rollback, "", false},
                    WriteCase{"SAVEPOINT s1", K::Savepoint, "", false},
                    WriteCase{"RELEASE SAVEPOINT s1", K::Savepoint, "", false},
                    WriteCase{"UNLOCK TABLES", K::Unlock, "", false},
                    WriteCase{"DEALLOCATE PREPARE stmt", K::Deallocate, "", false},
                    WriteCase{"DROP PREPARE stmt", K::Deallocate, "", false},
                    WriteCase{"DO SLEEP(1)", K::Do, "", false},
                    WriteCase{"DO RELEASE_LOCK('x'), GET_LOCK('y', 1)", K::Do, "", false},
                    WriteCase{"DO (SELECT COUNT(*) FROM t)", K::Do, "", false},
                    WriteCase{"HELP 'select'", K::Other, "", false},
                    WriteCase{"CHECK TABLE t", K::Other, "", false},
                    WriteCase{"CHECKSUM TABLE t", K::Other, "", false},
                    WriteCase{"ANALYZE TABLE t", K::Other, "", false},
                    WriteCase{"ANALYZE NO_WRITE_TO_BINLOG TABLE t", K::Other, "", false},
                    WriteCase{"USE db", K::Use, "", false},
                    WriteCase{"SET NAMES utf8mb4", K::Set, "", false},
                    WriteCase{"SET @a = (SELECT MAX(x) FROM t)", K::Set, "", false}));

INSTANTIATE_TEST_SUITE_P(
    Executed, Writes,
    testing::Values(
        WriteCase{"EXPLAIN ANALYZE DELETE FROM t", K::Explain, "t", false},
        WriteCase{"ANALYZE UPDATE t SET a = 1", K::Explain, "t", false},
        WriteCase{"ANALYZE FORMAT=JSON INSERT INTO t VALUES (1)", K::Explain, "t", false},
        WriteCase{"EXPLAIN ANALYZE SELECT * FROM t", K::Explain, "", false},
        WriteCase{"SET STATEMENT max_statement_time=1 FOR UPDATE t SET a = 1", K::Set, "t", false},
        WriteCase{"SET STATEMENT sql_mode='' FOR CALL p()", K::Set, "", true},
        WriteCase{"SET @x = NEXTVAL(s)", K::Set, "s", false},
        WriteCase{"DO NEXTVAL(db.s)", K::Do, "db.s", false},
        WriteCase{"SET @x = my_func()", K::Set, "", true}));

INSTANTIATE_TEST_SUITE_P(
    MultiStatement, Writes,
    testing::Values(
        WriteCase{"UPDATE a SET x = 1; UPDATE b SET y = 2", K::Multi, "a, b", false},
        WriteCase{"INSERT INTO a VALUES (1); SELECT * FROM b; DELETE FROM c;", K::Multi, "a, c",
                  false},
        WriteCase{"DELETE FROM a; CALL p()", K::Multi, "a", true},
        WriteCase{"SELECT 1; SELECT 2", K::Multi, "", false},
        WriteCase{"UPDATE a SET x = 1; SELECT 'unterminated", K::Multi, "a", true},
        WriteCase{"SELECT * FROM t WHERE c = 1; DROP TABLE x; -- '", K::Multi, "x", false},
        WriteCase{"SELECT * FROM t WHERE c = 1; DROP TABLE x; --'", K::Multi, "x", true}));

TEST(WriteAnalysis, UnterminatedWriteIsUnknownAndUnparsable) {
  const Analysis a = analyze("UPDATE t SET a = 'x");
  EXPECT_EQ(a.kind, StatementKind::Update);
  EXPECT_TRUE(a.writes_unknown_tables);
  EXPECT_EQ(a.reason, BypassReason::Unparsable);
}

TEST(WriteAnalysis, DatabaseStatementsNameTheSchema) {
  Analysis a = analyze("DROP DATABASE IF EXISTS `Shop`");
  EXPECT_EQ(a.schema_written, "Shop");
  EXPECT_TRUE(a.writes_unknown_tables);
  a = analyze("CREATE SCHEMA IF NOT EXISTS shop2");
  EXPECT_EQ(a.schema_written, "shop2");
  a = analyze("ALTER DATABASE CHARACTER SET utf8mb4");  // the default schema
  EXPECT_EQ(a.schema_written, "");
  EXPECT_TRUE(a.writes_unknown_tables);
}

TEST(WriteAnalysis, TemporaryTablesAreFlagged) {
  EXPECT_TRUE(analyze("create temporary table t (a int)").temporary_table);
  EXPECT_TRUE(analyze("CREATE OR REPLACE TEMPORARY TABLE t (a int)").temporary_table);
  EXPECT_TRUE(analyze("DROP TEMPORARY TABLE t").temporary_table);
  EXPECT_FALSE(analyze("CREATE TABLE t (a int)").temporary_table);
  EXPECT_FALSE(analyze("DROP TABLE t").temporary_table);
}

TEST(WriteAnalysis, TableNamesKeepTheirCase) {
  const Analysis a = analyze("UPDATE Shop.Orders SET a = 1");
  ASSERT_EQ(a.tables_written.size(), 1u);
  EXPECT_EQ(a.tables_written[0], (TableName{"Shop", "Orders"}));
}

TEST(WriteAnalysis, WritesDoNotReportReads) {
  const Analysis a = analyze("INSERT INTO t SELECT * FROM u");
  EXPECT_TRUE(a.tables_read.empty());
}

TEST(WriteAnalysis, KindNamesAreSnakeCase) {
  EXPECT_EQ(to_string(StatementKind::Select), "select");
  EXPECT_EQ(to_string(StatementKind::LoadData), "load_data");
  EXPECT_EQ(to_string(StatementKind::Deallocate), "deallocate");
  EXPECT_EQ(to_string(StatementKind::Multi), "multi");
  EXPECT_EQ(to_string(StatementKind::Empty), "empty");
}

TEST(WriteAnalysis, DdlOfLastingObjectsChangesSchemaObjects) {
  for (const char* sql :
       {"CREATE VIEW v AS SELECT * FROM t", "CREATE OR REPLACE VIEW v AS SELECT 1 FROM t",
        "ALTER TABLE child ADD FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE",
        "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW UPDATE u SET n = n + 1", "DROP TRIGGER g",
        "DROP VIEW v", "DROP TABLE t", "RENAME TABLE a TO b", "CREATE TABLE t (id INT)",
        "DROP DATABASE d", "INSERT INTO t VALUES (1); CREATE VIEW v AS SELECT 1 FROM t"}) {
    EXPECT_TRUE(analyze(sql).changes_schema_objects) << sql;
  }
  for (const char* sql :
       {"INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "TRUNCATE t", "SELECT 1",
        "CREATE TEMPORARY TABLE tmp (id INT)", "DROP TEMPORARY TABLE tmp", "CALL p()",
        "INSERT INTO t VALUES (1); UPDATE u SET a = 2"}) {
    EXPECT_FALSE(analyze(sql).changes_schema_objects) << sql;
  }
}

}  // namespace
}  // namespace sqlcache::cache
