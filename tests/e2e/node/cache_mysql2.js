// Node's mysql2 driver through the proxy (run by ../cache_node_mysql2.sh): execute() uses
// server-side prepared statements (COM_STMT_PREPARE, then COM_STMT_EXECUTE with typed
// parameters). Checks that every execute returns through the proxy exactly what it returns
// from the database, and that executes after the first one are answered by the cache: the
// backend's Com_stmt_execute does not move in the second round, nor for a second connection
// (other statement ids, same statements and parameters).
//
// Environment: SQLCACHE_PROXY_PORT, SQLCACHE_TEST_MYSQL_PORT, SQLCACHE_TEST_MYSQL_USER,
// SQLCACHE_TEST_MYSQL_PASSWORD, SQLCACHE_EXPECT_HITS (0 in the bypass self-check).
'use strict';

const assert = require('node:assert/strict');
const mysql = require('mysql2/promise');

const HOST = '127.0.0.1';
const user = process.env.SQLCACHE_TEST_MYSQL_USER || 'sqlcache';
const password = process.env.SQLCACHE_TEST_MYSQL_PASSWORD || 'sqlcache';
const directPort = Number(process.env.SQLCACHE_TEST_MYSQL_PORT);
const proxyPort = Number(process.env.SQLCACHE_PROXY_PORT);
const expectHits = process.env.SQLCACHE_EXPECT_HITS !== '0';

// [sql, parameters]: numbers, strings (multibyte too), NULL, a Date.
const STATEMENTS = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((id) => ['SELECT id, name FROM tutorial.planet WHERE id = ?', [id]]),
  ['SELECT id, name FROM tutorial.planet WHERE id > ? AND name <> ? ORDER BY id', [4, 'Mars']],
  ['SELECT COUNT(*) AS n FROM tutorial.planet WHERE name LIKE ?', ['%a%']],
  ['SELECT id, ? AS label FROM tutorial.planet WHERE id = ?', ['Zürich 東京 😀', 3]],
  ['SELECT id FROM tutorial.planet WHERE id = ? OR ? IS NULL ORDER BY id', [2, 7]],
  ['SELECT id, name FROM tutorial.planet WHERE id IN (?, ?) ORDER BY id', [1.0, 8]],
  ['SELECT id, ? AS day FROM tutorial.planet WHERE id = ?', ['2024-02-29', 5]],
];

function connect(port) {
  return mysql.createConnection({
    host: HOST, port, user, password, charset: 'utf8mb4', connectTimeout: 20000,
    dateStrings: true, supportBigNumbers: true, bigNumberStrings: true,
  });
}

async function backendCounter(admin, name) {
  const [rows] = await admin.query('SHOW GLOBAL STATUS LIKE ?', [name]);
  return Number(rows[0].Value);
}

// Runs every statement with execute(); returns the rows (plain data, comparable).
async function runAll(connection) {
  const results = [];
  for (const [sql, params] of STATEMENTS) {
    const [rows] = await connection.execute(sql, params);
    results.push(JSON.parse(JSON.stringify(rows)));
  }
  return results;
}

async function main() {
  const admin = await connect(directPort);
  const direct = await connect(directPort);
  const reference = await runAll(direct);
  await direct.end();
  assert.equal(reference[0][0].name, 'Mercury', 'the reference is the sample data');

  const rounds = [];
  const first = await connect(proxyPort);
  const second = await connect(proxyPort);
  for (const [label, connection] of [['first', first], ['again', first], ['other connection', second]]) {
    const before = await backendCounter(admin, 'Com_stmt_execute');
    const results = await runAll(connection);
    const executes = (await backendCounter(admin, 'Com_stmt_execute')) - before;
    rounds.push({ label, executes });
    results.forEach((rows, i) => {
      assert.deepEqual(rows, reference[i],
        `round "${label}": ${STATEMENTS[i][0]} with ${JSON.stringify(STATEMENTS[i][1])}`);
    });
  }
  await first.end();
  await second.end();
  await admin.end();

  console.log(`node_mysql2 statements=${STATEMENTS.length} ` +
    rounds.map((r) => `${r.label.replace(' ', '_')}_backend_executes=${r.executes}`).join(' '));
  if (expectHits) {
    assert.equal(rounds[0].executes, STATEMENTS.length, 'the first round misses every statement');
    assert.equal(rounds[1].executes, 0, 'the second round must be answered by the cache');
    assert.equal(rounds[2].executes, 0, 'a second connection hits the same entries');
  }
}

main().catch((error) => {
  console.error(`cache_mysql2.js: FAIL: ${error.stack || error}`);
  process.exit(1);
});
