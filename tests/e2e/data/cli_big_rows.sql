-- Played by tests/e2e/mariadb_cli_identical.sh in batch mode only (a --table rendering of a
-- 17 MiB cell is three more copies of it): rows and statements larger than one 16 MiB packet
-- travel as several packets, in both directions.
SELECT LENGTH(REPEAT('ab', 9000000)) AS len, MD5(REPEAT('ab', 9000000)) AS md5;
SELECT REPEAT('ab', 9000000) AS big;
SELECT 'small row after the big one' AS next;
