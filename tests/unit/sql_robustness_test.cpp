// The analyser sees every statement any client sends: it must take hostile and huge text in
// linear time, never crash, and keep its own invariants on text it has never seen.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <string>

#include "cache/sql_analysis.hpp"
#include "cache/sql_normalizer.hpp"

namespace sqlcache::cache {
namespace {

// Processor time, not wall time: the test machine may be busy. Generous: linear work on these
// inputs takes milliseconds; quadratic work takes minutes.
constexpr double kBudgetSeconds = 5.0;

template <typename F>
double seconds_of(F&& f) {
  const std::clock_t start = std::clock();
  f();
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

// n comma-separated items made by item(i), i = 0 .. n-1.
template <typename F>
std::string list_of(int n, F&& item) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out.append(", ");
    out.append(item(std::to_string(i)));
  }
  return out;
}

TEST(Robustness, ManyCtesAndReferencesStayLinear) {
  std::string sql = "WITH ";
  sql.append(
      list_of(20000, [](const std::string& i) { return std::string("c") + i + " AS (SELECT 1)"; }));
  sql.append(" SELECT * FROM ");
  sql.append(list_of(20000, [](const std::string& i) { return std::string("c") + i; }));
  Analysis a;
  EXPECT_LT(seconds_of([&] { a = analyze(sql); }), kBudgetSeconds);
  EXPECT_EQ(a.reason, BypassReason::NoTables);
}

TEST(Robustness, ManyStatementsStayLinear) {
  std::string sql;
  for (int i = 0; i < 20000; ++i)
    sql.append("UPDATE t").append(std::to_string(i)).append(" SET a = 1;");
  Analysis a;
  EXPECT_LT(seconds_of([&] { a = analyze(sql); }), kBudgetSeconds);
  EXPECT_EQ(a.kind, StatementKind::Multi);
  EXPECT_EQ(a.tables_written.size(), 20000u);
}

TEST(Robustness, ManyDeleteTargetsStayLinear) {
  std::string sql = "DELETE ";
  sql.append(list_of(20000, [](const std::string& i) { return std::string("a") + i; }));
  sql.append(" FROM ");
  sql.append(
      list_of(20000, [](const std::string& i) { return std::string("t") + i + " AS a" + i; }));
  Analysis a;
  EXPECT_LT(seconds_of([&] { a = analyze(sql); }), kBudgetSeconds);
  EXPECT_EQ(a.tables_written.size(), 20000u);
  EXPECT_FALSE(a.writes_unknown_tables);
}

TEST(Robustness, LongFlatQueryStaysLinear) {
  std::string sql = "SELECT a FROM t WHERE a IN (";
  sql.append(list_of(200000, [](const std::string& i) { return i; }));
  sql.append(")");
  Analysis a;
  EXPECT_LT(seconds_of([&] { a = analyze(sql); }), kBudgetSeconds);
  EXPECT_TRUE(a.cacheable);
}

TEST(Robustness, ManyExecutableCommentsStayLinear) {
  std::string sql = "SELECT 1";
  for (int i = 0; i < 50000; ++i) sql += " /*!99999 x */ /*!40001 + 1 */";
  sql += " FROM t";
  AnalyzeOptions options;
  options.lexical.flavor = ServerFlavor::MariaDB;
  options.lexical.server_version = 101106;
  Analysis a;
  EXPECT_LT(seconds_of([&] { a = analyze(sql, options); }), kBudgetSeconds);
  EXPECT_TRUE(a.cacheable);
}

// Statements stitched from SQL fragments, so that most of them are almost valid: the paths a
// fuzzer would need long to reach from raw bytes.
std::string random_statement(std::mt19937& rng) {
  static const char* const kPieces[] = {"SELECT",
                                        "*",
                                        "a",
                                        "b.c",
                                        "FROM",
                                        "t",
                                        "db.t",
                                        "`q t`",
                                        "WHERE",
                                        "=",
                                        "1",
                                        "'s'",
                                        "\"d\"",
                                        "(",
                                        ")",
                                        ",",
                                        ";",
                                        "JOIN",
                                        "LEFT",
                                        "ON",
                                        "USING",
                                        "AS",
                                        "x",
                                        "UNION",
                                        "ALL",
                                        "WITH",
                                        "RECURSIVE",
                                        "c",
                                        "IN",
                                        "EXISTS",
                                        "NOW()",
                                        "COUNT(*)",
                                        "f(",
                                        "@v",
                                        "@@v",
                                        "?",
                                        "FOR",
                                        "UPDATE",
                                        "SHARE",
                                        "LOCK",
                                        "INTO",
                                        "INSERT",
                                        "DELETE",
                                        "SET",
                                        "VALUES",
                                        "TABLE",
                                        "DUAL",
                                        "/*!40001",
                                        "/*!99999",
                                        "/*M!100100",
                                        "*/",
                                        "/*+ sqlcache ttl=5s */",
                                        "-- c\n",
                                        "#c\n",
                                        "--1",
                                        "NEXT VALUE FOR s",
                                        "NEXTVAL(s)",
                                        "LATERAL",
                                        "JSON_TABLE(",
                                        "COLUMNS",
                                        "PARTITION",
                                        "USE INDEX",
                                        "GROUP BY",
                                        "ORDER BY",
                                        "LIMIT 1",
                                        "WINDOW",
                                        "w",
                                        "OVER",
                                        "CAST(a AS CHAR(2))",
                                        "'unterminated",
                                        "`",
                                        "\\",
                                        "\xc3\xa9",
                                        "0x1F",
                                        "X'1f'",
                                        ".5",
                                        "1e5",
                                        "_utf8mb4'x'"};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kPieces) - 1);
  std::uniform_int_distribution<int> length(1, 40);
  std::uniform_int_distribution<int> coin(0, 3);
  std::string sql;
  const int n = length(rng);
  for (int i = 0; i < n; ++i) {
    if (coin(rng) != 0) sql += ' ';
    sql += kPieces[pick(rng)];
  }
  return sql;
}

TEST(Robustness, RandomStatementsKeepTheInvariants) {
  std::mt19937 rng(20260101);
  for (int i = 0; i < 20000; ++i) {
    const std::string sql = random_statement(rng);
    const Analysis a = analyze(sql, (i & 1) != 0);
    // Only a single SELECT may be cached, and a cacheable read has tables and writes nothing.
    if (a.cacheable) {
      EXPECT_EQ(a.kind, StatementKind::Select) << sql;
      EXPECT_EQ(a.reason, BypassReason::None) << sql;
      EXPECT_FALSE(a.tables_read.empty()) << sql;
      EXPECT_TRUE(a.tables_written.empty()) << sql;
      EXPECT_FALSE(a.writes_unknown_tables) << sql;
      EXPECT_FALSE(a.hint_off) << sql;
    } else {
      EXPECT_NE(a.reason, BypassReason::None) << sql;
    }
    EXPECT_TRUE(std::is_sorted(a.tables_read.begin(), a.tables_read.end())) << sql;
    EXPECT_TRUE(std::is_sorted(a.tables_written.begin(), a.tables_written.end())) << sql;
    // Normalising the key text again changes nothing, except where dropping a comment put a
    // space after `--` (which would then read as a comment; the key stays unambiguous).
    if (a.normalized.find("--") == std::string::npos && a.kind != StatementKind::Set) {
      EXPECT_EQ(normalize(a.normalized), a.normalized) << sql;
    }
  }
}

}  // namespace
}  // namespace sqlcache::cache
