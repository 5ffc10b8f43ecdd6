-- Played by tests/e2e/mariadb_cli_identical.sh through the mariadb CLI, once directly and
-- once through the proxy; the outputs must be byte-identical. @DB@ is the scratch database.
-- No NOW(), RAND() or timings: everything here is deterministic for a given server.

DROP DATABASE IF EXISTS @DB@;
CREATE DATABASE @DB@ CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE @DB@;

CREATE TABLE every_type (
  id INT AUTO_INCREMENT PRIMARY KEY,
  t_tiny TINYINT, t_tiny_u TINYINT UNSIGNED,
  t_small SMALLINT, t_small_u SMALLINT UNSIGNED,
  t_medium MEDIUMINT, t_medium_u MEDIUMINT UNSIGNED,
  t_int INT, t_int_u INT UNSIGNED,
  t_big BIGINT, t_big_u BIGINT UNSIGNED,
  t_decimal DECIMAL(30,10), t_float FLOAT, t_double DOUBLE,
  t_date DATE, t_time TIME, t_datetime DATETIME(6), t_timestamp TIMESTAMP NULL DEFAULT NULL,
  t_year YEAR,
  t_char CHAR(10), t_varchar VARCHAR(100), t_text TEXT, t_blob BLOB, t_json JSON,
  t_bit BIT(10), t_enum ENUM('small','medium','large'), t_set SET('red','green','blue')
) ENGINE=InnoDB;

INSERT INTO every_type VALUES
  (NULL, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
   -9223372036854775808, 18446744073709551615, -12345678901234567890.0123456789, 3.25, -2.5e-300,
   '1000-01-01', '-838:59:59', '1000-01-01 00:00:00.000000', '1970-01-02 00:00:01', 1901,
   'a', 'ascii', 'short text', X'00', '{"a": 1}', b'0', 'small', ''),
  (NULL, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0,
   9223372036854775807, 0, 99999999999999999999.9999999999, -1.5e38, 1.7976931348623157e308,
   '9999-12-31', '838:59:59', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', 2155,
   'zzzzzzzzzz', 'Grüße, 日本語, emoji 😀, Ωμέγα', REPEAT('long text ', 500),
   X'00FF7F80DEADBEEF0A0D09275C22', '{"nested": {"list": [1, 2.5, "x", null, true]}, "unicode": "ü😀"}',
   b'1111111111', 'large', 'red,green,blue'),
  (NULL, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0,
   '2024-02-29', '12:34:56', '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56', 2024,
   'tab\there', 'quote '' and "double" and back\\slash', 'line1\nline2', '', '[]',
   b'101', 'medium', 'green'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

SELECT * FROM every_type ORDER BY id;
SELECT id, HEX(t_blob), HEX(t_bit), LENGTH(t_text), CHAR_LENGTH(t_varchar) FROM every_type ORDER BY id;
SELECT id, t_float * 2, t_double / 3, t_decimal + 1 FROM every_type WHERE id <= 3 ORDER BY id;
SELECT JSON_EXTRACT(t_json, '$.nested.list[1]') AS j, t_enum + 0, t_set + 0 FROM every_type ORDER BY id;
SELECT COUNT(*), SUM(t_int), AVG(t_double), MIN(t_date), MAX(t_datetime) FROM every_type;
SELECT NULL, '', 0, -0.0, 1e100, 'x' AS "quoted alias", 1 AS `back``tick`;

-- The same reads again, with no write in between: a cache may answer these, and then its
-- bytes must be the database's.
SELECT * FROM every_type ORDER BY id;
SELECT id, HEX(t_blob), HEX(t_bit), LENGTH(t_text), CHAR_LENGTH(t_varchar) FROM every_type ORDER BY id;
SELECT id, t_float * 2, t_double / 3, t_decimal + 1 FROM every_type WHERE id <= 3 ORDER BY id;
SELECT t_json, t_enum, t_set, t_bit FROM every_type ORDER BY id;
SELECT t_json, t_enum, t_set, t_bit FROM every_type ORDER BY id;

-- A warning, then the client asks for it.
SELECT CAST('12abc' AS SIGNED) AS truncated;
SHOW WARNINGS;
SHOW COUNT(*) WARNINGS;

-- Errors: --force makes the client go on.
SELECT * FROM no_such_table;
SELEKT 1;
INSERT INTO every_type (id) VALUES (1);
SHOW ERRORS;

-- DML: the same SELECT before and after each change must show the change (a cache that served
-- the earlier result would make this output differ from the database's).
SELECT id, t_varchar FROM every_type WHERE id IN (1, 3) ORDER BY id;
UPDATE every_type SET t_varchar = 'changed once' WHERE id = 1;
SELECT id, t_varchar FROM every_type WHERE id IN (1, 3) ORDER BY id;
DELETE FROM every_type WHERE id = 3;
SELECT id, t_varchar FROM every_type WHERE id IN (1, 3) ORDER BY id;
INSERT INTO every_type (t_varchar) VALUES ('inserted');
SELECT id, t_varchar FROM every_type WHERE id IN (1, 3) OR t_varchar = 'inserted' ORDER BY id;
REPLACE INTO every_type (id, t_varchar) VALUES (1, 'replaced');
SELECT id, t_varchar FROM every_type WHERE id IN (1, 3) ORDER BY id;

-- Transactions.
CREATE TABLE ledger (id INT PRIMARY KEY, amount DECIMAL(10,2)) ENGINE=InnoDB;
BEGIN;
INSERT INTO ledger VALUES (1, 10.50), (2, -3.25);
SELECT * FROM ledger ORDER BY id;
ROLLBACK;
SELECT COUNT(*) FROM ledger;
START TRANSACTION;
INSERT INTO ledger VALUES (3, 7.00);
COMMIT;
SELECT * FROM ledger ORDER BY id;

-- DDL that changes what a SELECT returns.
ALTER TABLE ledger ADD COLUMN note VARCHAR(20) DEFAULT 'none';
SELECT * FROM ledger ORDER BY id;
RENAME TABLE ledger TO ledger_renamed;
SELECT * FROM ledger;
SELECT * FROM ledger_renamed;
TRUNCATE TABLE ledger_renamed;
SELECT COUNT(*) FROM ledger_renamed;
CREATE VIEW small_ids AS SELECT id FROM every_type WHERE id < 3;
SELECT * FROM small_ids ORDER BY id;
CREATE INDEX by_int ON every_type (t_int);
SHOW CREATE TABLE ledger_renamed;
SHOW COLUMNS FROM every_type LIKE 't_b%';
DESCRIBE ledger_renamed;

-- USE switches the default database (COM_INIT_DB from the client); the same unqualified
-- SELECT text then reads another table.
USE tutorial;
SELECT id, name FROM planet ORDER BY id;
SELECT id, name FROM planet ORDER BY id;
SELECT DATABASE();
USE @DB@;
SELECT DATABASE();
CREATE TABLE planet (id INT PRIMARY KEY, name VARCHAR(32));
INSERT INTO planet VALUES (1, 'not Mercury');
SELECT id, name FROM planet ORDER BY id;

-- Two statements on one line (the client sends them one by one) ...
SELECT 1 AS first; SELECT 'two' AS second;
-- ... and one COM_QUERY holding several statements (multi-results), and a procedure that
-- returns two result sets.
DELIMITER //
SELECT 'multi 1' AS a; SELECT 'multi 2' AS b, 2 AS c; UPDATE planet SET name = 'm' WHERE id = 1; SELECT name FROM planet //
CREATE PROCEDURE two_results()
BEGIN
  SELECT id FROM every_type ORDER BY id;
  SELECT name FROM planet;
END //
DELIMITER ;
CALL two_results();
SELECT 'after multi' AS c;

-- Session state that changes the bytes of a result.
SET NAMES latin1;
SELECT t_varchar FROM every_type WHERE id = 2;
SET NAMES utf8mb4;
SELECT t_varchar FROM every_type WHERE id = 2;
SET time_zone = '+05:30';
SELECT t_timestamp FROM every_type WHERE id = 2;
SET time_zone = '+00:00';
SELECT t_timestamp FROM every_type WHERE id = 2;

DROP DATABASE @DB@;
SELECT 'done' AS status;
