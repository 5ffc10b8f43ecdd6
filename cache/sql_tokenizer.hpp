// The MySQL/MariaDB lexer, as far as the cache needs it: where tokens start and end, what kind
// they are, and which executable comment they came from. No grammar lives here.
//
// Rules follow the server's lexer (sql/sql_lex.cc in MySQL and MariaDB):
// https://dev.mysql.com/doc/refman/8.0/en/comments.html
// https://dev.mysql.com/doc/refman/8.0/en/string-literals.html
// https://mariadb.com/kb/en/comment-syntax/
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::cache {

enum class ServerFlavor : unsigned char { Unknown, MySQL, MariaDB };

// What changes how the server splits text into tokens:
//  - two sql_mode flags. The server reports NO_BACKSLASH_ESCAPES in every OK packet
//    (SERVER_STATUS_NO_BACKSLASH_ESCAPES); ANSI_QUOTES is only known from SET statements.
//  - who the server is, which decides whether the content of /*!NNNNN ... */ and /*M! ... */ is
//    code or a comment. Unknown: only /*! */ and /*!NNNNN with NNNNN < 50700 are code (every
//    supported server runs them); other versioned comments make the text unparsable.
struct LexicalMode {
  bool backslash_escapes = true;  // false under NO_BACKSLASH_ESCAPES
  bool ansi_quotes = false;       // "x" is an identifier, not a string
  ServerFlavor flavor = ServerFlavor::Unknown;
  std::uint32_t server_version = 0;  // major * 10000 + minor * 100 + patch: 80034, 101106
};

struct ServerIdentity {
  ServerFlavor flavor = ServerFlavor::Unknown;
  std::uint32_t version = 0;
};

// From the handshake's server version string: "8.0.34", "5.7.44-log", "10.11.6-MariaDB-0+deb12u1",
// "5.5.5-10.11.6-MariaDB" (MariaDB's replication-compatible prefix), "11.4.2-MariaDB-log".
// Unknown when the string does not start with a version.
ServerIdentity parse_server_version(std::string_view version);

enum class TokenKind : unsigned char {
  Word,              // keyword or unquoted identifier (may start with a digit: 1abc)
  QuotedIdentifier,  // `name` (and "name" under ANSI_QUOTES)
  String,            // 'x', "x", N'x', _utf8mb4'x'
  Number,            // 12, 1.5, .5, 1e10, 0x1F, X'1F', 0b101, b'101'
  Placeholder,       // ?
  UserVariable,      // @v, @'v', @`v`
  SystemVariable,    // @@v, @@session.v, @@global.v
  Operator,          // ( ) , . = <=> -> and friends
  Semicolon,         // statement separator
  Hint,              // /*+ ... */ optimizer hint, markers included
  Error,             // unterminated string/comment/identifier or a byte the server rejects
};

struct Token {
  TokenKind kind = TokenKind::Error;
  std::string_view text;       // exact source bytes, quotes and markers included
  std::string_view condition;  // "/*!50100", "/*M!", ... when inside an executable comment
  bool space_before = false;   // whitespace or a comment separates it from the previous token
  std::size_t offset = 0;      // byte offset of text in the input
};

// Splits sql into tokens. Comments are dropped (they only set space_before on the next token);
// the content of an executable comment (/*! */, /*!NNNNN */, /*M! */, /*M!NNNNNN */) that the
// server runs is tokenised as code and tagged with its condition; one it skips is a comment.
// A comment inside an executable comment, and an executable comment whose fate depends on a
// server we do not know, are errors. After an Error token nothing more is produced.
// The returned views point into sql.
std::vector<Token> tokenize(std::string_view sql, LexicalMode mode = {});

bool has_error(const std::vector<Token>& tokens);
std::string_view to_string(TokenKind kind);

// True when token is a Word equal to upper_keyword ignoring ASCII case.
bool is_keyword(const Token& token, std::string_view upper_keyword);
bool is_operator(const Token& token, std::string_view op);
// Word or QuotedIdentifier.
bool is_identifier(const Token& token);
// The name an identifier token denotes: a Word as written, a quoted identifier without its quotes
// and with doubled quote characters collapsed (`a``b` -> a`b).
std::string identifier_name(const Token& token);

}  // namespace sqlcache::cache
