-- The sample data of the demo and the tests. Loaded by deploy/local/mariadb.sh on every start,
-- so it recreates `tutorial` from scratch: the tests can rely on exactly these rows.

DROP DATABASE IF EXISTS tutorial;
CREATE DATABASE tutorial CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;

CREATE TABLE tutorial.planet (
  id INT PRIMARY KEY,
  name VARCHAR(32) NOT NULL
) ENGINE=InnoDB;

INSERT INTO tutorial.planet (id, name) VALUES
  (1, 'Mercury'),
  (2, 'Venus'),
  (3, 'Earth'),
  (4, 'Mars'),
  (5, 'Jupiter'),
  (6, 'Saturn'),
  (7, 'Uranus'),
  (8, 'Neptune');

-- sysbench creates its own tables here (tests/e2e/sysbench_oltp.sh, bench/).
CREATE DATABASE IF NOT EXISTS sbtest;
