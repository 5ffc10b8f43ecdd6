// The lexer against MySQL/MariaDB lexical rules. Each case spells the expected tokens as
// KIND:text, with {condition} for tokens inside an executable comment.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "cache/sql_analysis.hpp"
#include "cache/sql_tokenizer.hpp"

namespace sqlcache::cache {
namespace {

char letter(TokenKind kind) {
  switch (kind) {
    case TokenKind::Word:
      return 'W';
    case TokenKind::QuotedIdentifier:
      return 'Q';
    case TokenKind::String:
      return 'S';
    case TokenKind::Number:
      return 'N';
    case TokenKind::Placeholder:
      return 'P';
    case TokenKind::UserVariable:
      return 'U';
    case TokenKind::SystemVariable:
      return 'V';
    case TokenKind::Operator:
      return 'O';
    case TokenKind::Semicolon:
      return ';';
    case TokenKind::Hint:
      return 'H';
    case TokenKind::Error:
      return 'E';
  }
  return '?';
}

std::string spell(std::string_view sql, LexicalMode mode = {}) {
  std::string out;
  for (const Token& t : tokenize(sql, mode)) {
    if (!out.empty()) out += ' ';
    out += letter(t.kind);
    out += ':';
    out += t.text;
    if (!t.condition.empty()) {
      out += '{';
      out += t.condition;
      out += '}';
    }
  }
  return out;
}

struct LexCase {
  const char* sql;
  const char* tokens;
};

void PrintTo(const LexCase& c, std::ostream* os) { *os << testing::PrintToString(c.sql); }

class Lexes : public testing::TestWithParam<LexCase> {};

TEST_P(Lexes, AsTheServerDoes) {
  EXPECT_EQ(spell(GetParam().sql), GetParam().tokens) << GetParam().sql;
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizer, Lexes,
    testing::Values(
        // words, operators, whitespace
        LexCase{"SELECT * FROM t", "W:SELECT O:* W:FROM W:t"},
        LexCase{"select\ta,b\nfrom\r\nt", "W:select W:a O:, W:b W:from W:t"},
        LexCase{"a<=>b a<=b a>=b a<>b a!=b",
                "W:a O:<=> W:b W:a O:<= W:b W:a O:>= W:b W:a O:<> "
                "W:b W:a O:!= W:b"},
        LexCase{"j->'$.a' j->>'$.b'", "W:j O:-> S:'$.a' W:j O:->> S:'$.b'"},
        LexCase{"a:=1", "W:a O::= N:1"},
        LexCase{"a&&b||c<<1>>2", "W:a O:&& W:b O:|| W:c O:<< N:1 O:>> N:2"},
        LexCase{"SELECT 1; SELECT 2;", "W:SELECT N:1 ;:; W:SELECT N:2 ;:;"},
        LexCase{"$a _b c$ d1", "W:$a W:_b W:c$ W:d1"}, LexCase{"caf\xc3\xa9", "W:caf\xc3\xa9"},
        // strings
        LexCase{"'abc'", "S:'abc'"}, LexCase{"'it''s'", "S:'it''s'"},
        LexCase{"'it\\'s'", "S:'it\\'s'"}, LexCase{"'a\\\\' 'b'", "S:'a\\\\' S:'b'"},
        LexCase{"\"dq\" \"a\"\"b\" \"c\\\"d\"", "S:\"dq\" S:\"a\"\"b\" S:\"c\\\"d\""},
        LexCase{"'FOR UPDATE' \"; DROP\"", "S:'FOR UPDATE' S:\"; DROP\""},
        LexCase{"'multi\nline'", "S:'multi\nline'"}, LexCase{"N'x' n'y'", "S:N'x' S:n'y'"},
        LexCase{"_utf8mb4'x' _latin1\"y\" _binary 'z'",
                "S:_utf8mb4'x' S:_latin1\"y\" W:_binary S:'z'"},
        LexCase{"'a' 'b'", "S:'a' S:'b'"},
        // numbers
        LexCase{"1 12.5 .5 1. 1e10 1E-3 2.5e+7", "N:1 N:12.5 N:.5 N:1. N:1e10 N:1E-3 N:2.5e+7"},
        LexCase{"0x1F X'1f' x'' 0b101 b'101' B'0'", "N:0x1F N:X'1f' N:x'' N:0b101 N:b'101' N:B'0'"},
        LexCase{"0X1F 0xZZ 0b12 123abc 1e5x 1ea", "W:0X1F W:0xZZ W:0b12 W:123abc W:1e5x W:1ea"},
        LexCase{"1.5abc", "N:1.5 W:abc"},
        LexCase{"t.5col t.1e5 t .5", "W:t O:. W:5col W:t O:. W:1e5 W:t N:.5"},
        LexCase{"1-1 1 - -1", "N:1 O:- N:1 N:1 O:- O:- N:1"},
        // identifiers and variables
        LexCase{"`a.b` `we``ird` `sp ace`", "Q:`a.b` Q:`we``ird` Q:`sp ace`"},
        LexCase{"db.`t`", "W:db O:. Q:`t`"},
        LexCase{"@v @a.b @'q v' @`b` @\"d\"", "U:@v U:@a.b U:@'q v' U:@`b` U:@\"d\""},
        LexCase{"@@v @@session.sql_mode @@GLOBAL.x", "V:@@v V:@@session.sql_mode V:@@GLOBAL.x"},
        LexCase{"a = ? AND b IN (?, ?)", "W:a O:= P:? W:AND W:b W:IN O:( P:? O:, P:? O:)"},
        // comments
        LexCase{"SELECT 1 -- comment", "W:SELECT N:1"},
        LexCase{"SELECT 1 --1", "W:SELECT N:1 O:- O:- N:1"},
        LexCase{"SELECT 1 --\tx\n+2", "W:SELECT N:1 O:+ N:2"},
        LexCase{"SELECT 1 --", "W:SELECT N:1"},
        LexCase{"SELECT 1 # hash\n, 2", "W:SELECT N:1 O:, N:2"},
        LexCase{"SELECT/* c */1/**/+/*/ x */2", "W:SELECT N:1 O:+ N:2"},
        LexCase{"SELECT 1 /* -- not a line comment */ + 1", "W:SELECT N:1 O:+ N:1"},
        LexCase{"SELECT 2*/3", "W:SELECT N:2 O:* O:/ N:3"},
        // executable comments: content is code, tagged with its condition
        LexCase{"SELECT /*!40001 SQL_NO_CACHE */ *", "W:SELECT W:SQL_NO_CACHE{/*!40001} O:*"},
        LexCase{"SELECT /*! STRAIGHT_JOIN */ 1", "W:SELECT W:STRAIGHT_JOIN{/*!} N:1"},
        LexCase{"SELECT /*!50100 a, b*/ c",
                "W:SELECT W:a{/*!50100} O:,{/*!50100} W:b{/*!50100} W:c"},
        LexCase{"SELECT /*!1 + 1 */", "W:SELECT N:1{/*!} O:+{/*!} N:1{/*!}"},
        LexCase{"SELECT /*!40001x*/", "W:SELECT W:x{/*!40001}"},
        // versions an unknown server may or may not run
        LexCase{"SELECT /*!50700 a */", "W:SELECT E:/*!50700 a */"},
        LexCase{"SELECT /*!100500 a */", "W:SELECT E:/*!100500 a */"},
        LexCase{"SELECT /*M!100500 x */", "W:SELECT E:/*M!100500 x */"},
        LexCase{"SELECT /*M! y */", "W:SELECT E:/*M! y */"},
        LexCase{"/*!40101 SET NAMES utf8 */;",
                "W:SET{/*!40101} W:NAMES{/*!40101} W:utf8{/*!40101} ;:;"},
        LexCase{"SELECT /*!40001 'a*/b' */ 1", "W:SELECT S:'a*/b'{/*!40001} N:1"},
        // optimizer hints are kept as one token
        LexCase{"SELECT /*+ sqlcache ttl=30s */ 1", "W:SELECT H:/*+ sqlcache ttl=30s */ N:1"},
        LexCase{"SELECT /*+ BKA(t1) NO_ICP(t2) */ a", "W:SELECT H:/*+ BKA(t1) NO_ICP(t2) */ W:a"},
        // errors stop the token stream
        LexCase{"SELECT 'abc", "W:SELECT E:'abc"}, LexCase{"SELECT \"abc", "W:SELECT E:\"abc"},
        LexCase{"SELECT `abc", "W:SELECT E:`abc"}, LexCase{"SELECT 'a\\'", "W:SELECT E:'a\\'"},
        LexCase{"SELECT 1 /* open", "W:SELECT N:1 E:/* open"},
        LexCase{"SELECT /*+ open", "W:SELECT E:/*+ open"},
        LexCase{"SELECT /*!40001 open", "W:SELECT E:/*!40001 open"},
        LexCase{"SELECT /*!40001 a /* nested */ */", "W:SELECT E:/*!40001 a /* nested */ */"},
        LexCase{"SELECT X'1f", "W:SELECT E:X'1f"}, LexCase{"SELECT a\\b", "W:SELECT W:a E:\\b"},
        LexCase{"SELECT [a]", "W:SELECT E:[a]"}));

struct VersionCase {
  ServerFlavor flavor;
  std::uint32_t version;
  const char* sql;
  const char* tokens;
};

void PrintTo(const VersionCase& c, std::ostream* os) {
  *os << static_cast<int>(c.flavor) << "/" << c.version << " " << testing::PrintToString(c.sql);
}

class ExecutableComments : public testing::TestWithParam<VersionCase> {};

TEST_P(ExecutableComments, RunOnlyWhereTheServerRunsThem) {
  LexicalMode mode;
  mode.flavor = GetParam().flavor;
  mode.server_version = GetParam().version;
  EXPECT_EQ(spell(GetParam().sql, mode), GetParam().tokens) << GetParam().sql;
}

constexpr auto kMariaDB = ServerFlavor::MariaDB;
constexpr auto kMySQL = ServerFlavor::MySQL;

INSTANTIATE_TEST_SUITE_P(
    Tokenizer, ExecutableComments,
    testing::Values(
        VersionCase{kMariaDB, 101106, "SELECT /*!50100 a */", "W:SELECT W:a{/*!50100}"},
        VersionCase{kMariaDB, 101106, "SELECT /*!50700 a */ b", "W:SELECT W:b"},
        VersionCase{kMariaDB, 101106, "SELECT /*!99999 a */ b", "W:SELECT W:b"},
        VersionCase{kMariaDB, 101106, "SELECT /*!100500 a */", "W:SELECT W:a{/*!100500}"},
        VersionCase{kMariaDB, 101106, "SELECT /*!100500a*/", "W:SELECT W:a{/*!100500}"},
        VersionCase{kMariaDB, 101106, "SELECT /*!110000 a */ b", "W:SELECT W:b"},
        VersionCase{kMariaDB, 101106, "SELECT /*M!100500 a */", "W:SELECT W:a{/*M!100500}"},
        VersionCase{kMariaDB, 101106, "SELECT /*M!50700 a */", "W:SELECT W:a{/*M!50700}"},
        VersionCase{kMariaDB, 101106, "SELECT /*M! a */", "W:SELECT W:a{/*M!}"},
        VersionCase{kMariaDB, 101106, "SELECT /*!99999 /* x */ */",
                    "W:SELECT E:/*!99999 /* x */ */"},
        VersionCase{kMariaDB, 101106, "SELECT /*!99999 open", "W:SELECT E:/*!99999 open"},
        VersionCase{kMySQL, 80034, "SELECT /*!80034 a */", "W:SELECT W:a{/*!80034}"},
        VersionCase{kMySQL, 80034, "SELECT /*!80035 a */ b", "W:SELECT W:b"},
        VersionCase{kMySQL, 80034, "SELECT /*!50700 a */", "W:SELECT W:a{/*!50700}"},
        VersionCase{kMySQL, 80034, "SELECT /*M!100500 a */ b", "W:SELECT W:b"},
        VersionCase{kMySQL, 80034, "SELECT /*M! a */ b", "W:SELECT W:b"},
        VersionCase{kMySQL, 80034, "SELECT /*!100500 a */", "W:SELECT E:/*!100500 a */"},
        VersionCase{kMySQL, 80034, "SELECT /*!1 + 1 */", "W:SELECT N:1{/*!} O:+{/*!} N:1{/*!}"},
        VersionCase{kMySQL, 80034, "SELECT 1 /*!90000 ; DROP TABLE t */", "W:SELECT N:1"}));

TEST(ServerVersion, ParsesHandshakeVersionStrings) {
  struct Case {
    const char* text;
    ServerFlavor flavor;
    std::uint32_t version;
  };
  for (const Case& c :
       {Case{"8.0.34", kMySQL, 80034}, Case{"5.7.44-log", kMySQL, 50744},
        Case{"8.4.0-commercial", kMySQL, 80400},
        Case{"10.11.6-MariaDB-0+deb12u1", kMariaDB, 101106},
        Case{"5.5.5-10.11.6-MariaDB", kMariaDB, 101106},
        Case{"11.4.2-MariaDB-log", kMariaDB, 110402}, Case{"", ServerFlavor::Unknown, 0},
        Case{"garbage", ServerFlavor::Unknown, 0}, Case{"8.0", ServerFlavor::Unknown, 0},
        Case{"8.0.1000", ServerFlavor::Unknown, 0}}) {
    const ServerIdentity id = parse_server_version(c.text);
    EXPECT_EQ(id.flavor, c.flavor) << c.text;
    EXPECT_EQ(id.version, c.version) << c.text;
  }
}

TEST(Tokenizer, NulByteIsAnError) {
  const std::string sql("SELECT \0 1", 10);
  const auto tokens = tokenize(sql);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].kind, TokenKind::Error);
  EXPECT_TRUE(has_error(tokens));
}

TEST(Tokenizer, NoBackslashEscapesEndsStringAtQuote) {
  LexicalMode mode;
  mode.backslash_escapes = false;
  EXPECT_EQ(spell("'a\\' 'b'", mode), "S:'a\\' S:'b'");
  EXPECT_EQ(spell("'\\'; DROP TABLE x; -- '", mode), "S:'\\' ;:; W:DROP W:TABLE W:x ;:;");
  EXPECT_EQ(spell("'\\'; DROP TABLE x; -- '"), "S:'\\'; DROP TABLE x; -- '");
}

TEST(Tokenizer, AnsiQuotesMakeDoubleQuotesIdentifiers) {
  LexicalMode mode;
  mode.ansi_quotes = true;
  EXPECT_EQ(spell("SELECT \"a\"\"b\" FROM \"t\"", mode), "W:SELECT Q:\"a\"\"b\" W:FROM Q:\"t\"");
  const auto tokens = tokenize("\"a\"\"b\"", mode);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(identifier_name(tokens[0]), "a\"b");
}

TEST(Tokenizer, SpaceBeforeRecordsWhitespaceAndComments) {
  const auto tokens = tokenize("a b/**/c(d");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_FALSE(tokens[0].space_before);
  EXPECT_TRUE(tokens[1].space_before);
  EXPECT_TRUE(tokens[2].space_before);  // a comment separates like whitespace
  EXPECT_FALSE(tokens[3].space_before);
  EXPECT_FALSE(tokens[4].space_before);
}

TEST(Tokenizer, OffsetsPointIntoTheInput) {
  const std::string sql = "SELECT  `x`";
  const auto tokens = tokenize(sql);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].offset, 8u);
  EXPECT_EQ(sql.substr(tokens[1].offset, tokens[1].text.size()), "`x`");
}

TEST(Tokenizer, IdentifierNameUnquotes) {
  const auto tokens = tokenize("`we``ird` plain `a.b`");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(identifier_name(tokens[0]), "we`ird");
  EXPECT_EQ(identifier_name(tokens[1]), "plain");
  EXPECT_EQ(identifier_name(tokens[2]), "a.b");
}

TEST(Tokenizer, KeywordMatchIgnoresAsciiCase) {
  const auto tokens = tokenize("sElEcT `select` 'select'");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_TRUE(is_keyword(tokens[0], "SELECT"));
  EXPECT_FALSE(is_keyword(tokens[1], "SELECT"));
  EXPECT_FALSE(is_keyword(tokens[2], "SELECT"));
}

// Bug found by fuzz_sql_analysis: after `t.` a second `.` took the "name after a qualifier"
// path without an identifier character to read, and came out as an empty word. The server reads
// `t..1` as t . .1 (MY_LEX_IDENT_SEP only continues with an identifier character).
TEST(Tokenizer, SecondDotAfterQualifierIsNotAnEmptyWord) {
  EXPECT_EQ(spell("t..1"), "W:t O:. N:.1");
  EXPECT_EQ(spell("SELECT * FROM db..5x"), "W:SELECT O:* W:FROM W:db O:. N:.5 W:x");
  for (const Token& t : tokenize("a..1..b. .c")) EXPECT_FALSE(t.text.empty()) << t.offset;
}

// Bug found by fuzz_sql_analysis: the token after an optimizer hint did not count as separated
// from what came before, although a hint is a comment to the lexer: CONCAT/*+ x */(a) is
// CONCAT (a), which the server resolves as a stored function, and once our own hint was left
// out of the key text the statement analysed differently.
TEST(Tokenizer, HintSeparatesLikeAComment) {
  const auto tokens = tokenize("SELECT CONCAT/*+ x */(a)");
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(tokens[2].kind, TokenKind::Hint);
  EXPECT_TRUE(tokens[3].space_before);
  const Analysis glued = analyze("SELECT CONCAT/*+ sqlcache ttl=1h */(a) FROM t");
  const Analysis spaced = analyze("SELECT CONCAT (a) FROM t");
  EXPECT_EQ(glued.reason, spaced.reason);
  EXPECT_EQ(glued.writes_unknown_tables, spaced.writes_unknown_tables);
  EXPECT_TRUE(glued.writes_unknown_tables);
}

TEST(Tokenizer, EmptyAndBlankInputHaveNoTokens) {
  EXPECT_TRUE(tokenize("").empty());
  EXPECT_TRUE(tokenize("  \n\t -- only a comment").empty());
  EXPECT_TRUE(tokenize("/* c */ # d").empty());
}

}  // namespace
}  // namespace sqlcache::cache
