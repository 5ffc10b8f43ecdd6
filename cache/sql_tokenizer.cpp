#include "cache/sql_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace sqlcache::cache {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// The server's whitespace (my_isspace): space, \t, \n, \v, \f, \r.
bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// Characters of an unquoted identifier. Bytes >= 0x80 are parts of multi-byte characters, which
// the server accepts in identifiers.
bool is_ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$' ||
         c >= 0x80;
}
// `--` starts a comment only when followed by whitespace, a control character or the end.
bool dash_comment_follows(std::string_view s, std::size_t pos) {
  if (pos + 2 >= s.size()) return true;
  const auto c = static_cast<unsigned char>(s[pos + 2]);
  return c <= 0x20 || c == 0x7f;
}

class Lexer {
 public:
  Lexer(std::string_view sql, LexicalMode mode) : s_(sql), mode_(mode) {}

  std::vector<Token> run() {
    while (pos_ < s_.size() && !failed_) step();
    if (!failed_ && !condition_.empty()) fail(condition_start_);  // unterminated /*! comment
    return std::move(out_);
  }

 private:
  unsigned char at(std::size_t p) const {
    return p < s_.size() ? static_cast<unsigned char>(s_[p]) : 0;
  }

  void emit(TokenKind kind, std::size_t end) {
    Token t;
    t.kind = kind;
    t.text = s_.substr(pos_, end - pos_);
    t.condition = condition_;
    t.space_before = space_;
    t.offset = pos_;
    // A `.` glued to an identifier makes the next run of identifier characters a name even when
    // it starts with a digit (t.1col), as in the server's MY_LEX_IDENT_SEP state.
    after_qualifier_dot_ = kind == TokenKind::Operator && t.text == "." && !out_.empty() &&
                           !space_ && is_identifier(out_.back());
    out_.push_back(t);
    pos_ = end;
    space_ = false;
  }

  void fail(std::size_t from) {
    if (!condition_.empty()) {
      // The error swallows the whole executable comment it happened in, not half of it.
      from = std::min(from, condition_start_);
      while (!out_.empty() && out_.back().offset >= condition_start_) out_.pop_back();
      space_ = !out_.empty() && (condition_start_ == 0 || is_space(at(condition_start_ - 1)));
    }
    pos_ = from;
    condition_ = {};
    emit(TokenKind::Error, s_.size());
    failed_ = true;
  }

  // Returns the position after the closing quote, or npos when unterminated. A doubled quote
  // stands for itself; a backslash escapes the next byte when escapes are on.
  std::size_t scan_quoted(std::size_t open, bool backslash) const {
    const char q = s_[open];
    for (std::size_t p = open + 1; p < s_.size(); ++p) {
      if (backslash && s_[p] == '\\') {
        ++p;
        continue;
      }
      if (s_[p] == q) {
        if (p + 1 < s_.size() && s_[p + 1] == q) {
          ++p;
          continue;
        }
        return p + 1;
      }
    }
    return npos;
  }

  void quoted(TokenKind kind, std::size_t open, bool backslash) {
    const std::size_t end = scan_quoted(open, backslash);
    if (end == npos) return fail(pos_);
    emit(kind, end);
  }

  // t.5 is column `5` of t, not t followed by the number .5.
  bool glued_to_identifier() const {
    return !space_ && !out_.empty() && is_identifier(out_.back());
  }

  std::size_t ident_end(std::size_t p) const {
    while (p < s_.size() && is_ident_char(at(p))) ++p;
    return p;
  }

  void step() {
    const unsigned char c = at(pos_);
    if (is_space(c)) {
      ++pos_;
      space_ = true;
      return;
    }
    if (!condition_.empty() && c == '*' && at(pos_ + 1) == '/') {
      pos_ += 2;
      condition_ = {};
      space_ = true;
      return;
    }
    if (c == '#' || (c == '-' && at(pos_ + 1) == '-' && dash_comment_follows(s_, pos_))) {
      const std::size_t nl = s_.find('\n', pos_);
      pos_ = nl == npos ? s_.size() : nl + 1;
      space_ = true;
      return;
    }
    if (c == '/' && at(pos_ + 1) == '*') return comment();
    if (c == '\'') return quoted(TokenKind::String, pos_, mode_.backslash_escapes);
    if (c == '"') {
      if (mode_.ansi_quotes) return quoted(TokenKind::QuotedIdentifier, pos_, false);
      return quoted(TokenKind::String, pos_, mode_.backslash_escapes);
    }
    if (c == '`') return quoted(TokenKind::QuotedIdentifier, pos_, false);
    if (is_digit(c) || (c == '.' && is_digit(at(pos_ + 1)) && !glued_to_identifier())) {
      return number();
    }
    if (is_ident_char(c)) return word();
    if (c == '?') return emit(TokenKind::Placeholder, pos_ + 1);
    if (c == '@') return variable();
    if (c == ';') return emit(TokenKind::Semicolon, pos_ + 1);
    return punctuation();
  }

  void comment() {
    const unsigned char kind = at(pos_ + 2);
    if (!condition_.empty()) return fail(pos_);  // a comment inside /*! */: see the header
    if (kind == '!' || (kind == 'M' && at(pos_ + 3) == '!')) return executable_comment(kind == 'M');
    const std::size_t close = s_.find("*/", pos_ + 2);
    if (close == npos) return fail(pos_);
    if (kind == '+') {
      emit(TokenKind::Hint, close + 2);
      space_ = true;  // a comment to the lexer: what follows is separated, as after /* */
      return;
    }
    skip_comment_to(close + 2);
  }

  void skip_comment_to(std::size_t end) {
    pos_ = end;
    space_ = true;
  }

  // /*!, /*!NNNNN, /*M!, /*M!NNNNNN: whether the server runs the content depends on who it is.
  void executable_comment(bool mariadb_syntax) {
    const std::size_t marker_end = pos_ + (mariadb_syntax ? 4 : 3);
    std::size_t digits = 0;
    while (digits < 7 && is_digit(at(marker_end + digits))) ++digits;
    switch (executable_comment_verdict(mariadb_syntax, marker_end, digits)) {
      case Verdict::Code: {
        // Fewer than five digits are not a version: they are the first bytes of the code.
        const std::size_t version_digits = digits < 5 ? 0 : (digits >= 6 ? 6 : 5);
        const std::size_t code_start = marker_end + version_digits;
        condition_start_ = pos_;
        condition_ = s_.substr(pos_, code_start - pos_);
        pos_ = code_start;
        space_ = true;
        return;
      }
      case Verdict::Comment: {
        // Skipped by the server: a plain comment to us. One nested comment is where MariaDB
        // and MySQL disagree; do not guess.
        const std::size_t close = s_.find("*/", marker_end);
        const std::size_t nested = s_.find("/*", marker_end);
        if (close == npos || nested < close) return fail(pos_);
        return skip_comment_to(close + 2);
      }
      case Verdict::Ambiguous:
        return fail(pos_);
    }
  }

  enum class Verdict { Code, Comment, Ambiguous };

  // sql_lex.cc, MY_LEX_LONG_COMMENT. MySQL reads a version of exactly five digits (8.4 and
  // later: six when followed by whitespace) and ignores /*M!. MariaDB reads five or six digits,
  // runs /*M! too, and skips /*! comments versioned 50700..99999 (MySQL 5.7+ syntax).
  Verdict executable_comment_verdict(bool mariadb_syntax, std::size_t digits_at,
                                     std::size_t digits) const {
    if (digits < 5 && (!mariadb_syntax || mode_.flavor == ServerFlavor::MariaDB)) {
      return Verdict::Code;  // not a version comment: always code (to the server that reads it)
    }
    std::uint32_t v5 = 0;
    std::uint32_t v6 = 0;
    for (std::size_t i = 0; i < digits && i < 6; ++i) {
      const auto d = static_cast<std::uint32_t>(at(digits_at + i) - '0');
      if (i < 5) v5 = v5 * 10 + d;
      v6 = v6 * 10 + d;
    }
    switch (mode_.flavor) {
      case ServerFlavor::MariaDB: {
        const std::uint32_t v = digits >= 6 ? v6 : v5;
        const bool runs = v <= mode_.server_version && (v < 50700 || v > 99999 || mariadb_syntax);
        return runs ? Verdict::Code : Verdict::Comment;
      }
      case ServerFlavor::MySQL:
        if (mariadb_syntax) return Verdict::Comment;
        if (digits >= 6) return Verdict::Ambiguous;  // five or six digits depends on the release
        return v5 <= mode_.server_version ? Verdict::Code : Verdict::Comment;
      case ServerFlavor::Unknown:
        break;
    }
    // Unknown server: only what every supported server (MySQL 5.7+, MariaDB 10+) runs.
    if (mariadb_syntax || digits >= 6) return Verdict::Ambiguous;
    return v5 < 50700 ? Verdict::Code : Verdict::Ambiguous;
  }

  void word() {
    const unsigned char c = at(pos_);
    const unsigned char next = at(pos_ + 1);
    // N'national', X'hex', B'bits': a one-letter prefix glued to a quote.
    if (next == '\'') {
      if (c == 'N' || c == 'n') return quoted(TokenKind::String, pos_ + 1, mode_.backslash_escapes);
      if (c == 'X' || c == 'x' || c == 'B' || c == 'b') {
        return quoted(TokenKind::Number, pos_ + 1, false);
      }
    }
    const std::size_t end = ident_end(pos_);
    // _charset'text' : a character set introducer glued to a string is one literal.
    if (c == '_' && end > pos_ + 1 && (at(end) == '\'' || (at(end) == '"' && !mode_.ansi_quotes))) {
      return quoted(TokenKind::String, end, mode_.backslash_escapes);
    }
    emit(TokenKind::Word, end);
  }

  void number() {
    // t.1col is a name; t..1 is t . .1 (a second `.` is not an identifier character).
    if (after_qualifier_dot_ && at(pos_) != '.') return emit(TokenKind::Word, ident_end(pos_));
    std::size_t p = pos_;
    if (at(p) == '0' && (at(p + 1) == 'x' || at(p + 1) == 'b')) {
      const bool hex = at(p + 1) == 'x';
      std::size_t q = p + 2;
      while (hex ? is_hex_digit(at(q)) : (at(q) == '0' || at(q) == '1')) ++q;
      if (q > p + 2 && !is_ident_char(at(q))) return emit(TokenKind::Number, q);
      return emit(TokenKind::Word, ident_end(pos_));  // 0xZZ, 0b12: identifiers
    }
    while (is_digit(at(p))) ++p;
    const bool fraction = at(p) == '.';
    if (fraction) {
      ++p;
      while (is_digit(at(p))) ++p;
    }
    if (at(p) == 'e' || at(p) == 'E') {
      std::size_t q = p + 1;
      if (at(q) == '+' || at(q) == '-') ++q;
      if (is_digit(at(q))) {
        while (is_digit(at(q))) ++q;
        p = q;
      }
    }
    // 123abc (and 1e5x) are identifiers; 1.5abc is the number 1.5 followed by a word.
    if (!fraction && is_ident_char(at(p))) return emit(TokenKind::Word, ident_end(pos_));
    emit(TokenKind::Number, p);
  }

  void variable() {
    if (at(pos_ + 1) == '@') {
      std::size_t p = pos_ + 2;
      while (is_ident_char(at(p)) || at(p) == '.') ++p;
      return emit(TokenKind::SystemVariable, p);
    }
    const unsigned char q = at(pos_ + 1);
    if (q == '\'' || q == '"' || q == '`') {
      return quoted(TokenKind::UserVariable, pos_ + 1, q != '`' && mode_.backslash_escapes);
    }
    std::size_t p = pos_ + 1;
    while (is_ident_char(at(p)) || at(p) == '.') ++p;
    emit(TokenKind::UserVariable, p);
  }

  void punctuation() {
    static constexpr std::array<std::string_view, 12> kMulti = {
        "<=>", "->>", "<=", ">=", "<>", "!=", "<<", ">>", "&&", "||", ":=", "->"};
    for (std::string_view op : kMulti) {
      if (s_.substr(pos_, op.size()) == op) return emit(TokenKind::Operator, pos_ + op.size());
    }
    static constexpr std::string_view kSingle = "(),.+-*/%=<>!~^&|{}:";
    if (kSingle.find(static_cast<char>(at(pos_))) != npos) {
      return emit(TokenKind::Operator, pos_ + 1);
    }
    fail(pos_);  // control bytes, backslash, brackets: the server rejects them outside strings
  }

  std::string_view s_;
  LexicalMode mode_;
  std::size_t pos_ = 0;
  bool space_ = false;
  bool failed_ = false;
  bool after_qualifier_dot_ = false;
  std::string_view condition_;
  std::size_t condition_start_ = 0;
  std::vector<Token> out_;
};

bool equals_upper(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

// "10.11.6..." -> 101106; 0 when the text does not start with major.minor.patch.
std::uint32_t version_number(std::string_view text) {
  std::uint32_t parts[3] = {0, 0, 0};
  std::size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(static_cast<unsigned char>(text[i])) && i - start < 3) {
      parts[part] = parts[part] * 10 + static_cast<std::uint32_t>(text[i] - '0');
      ++i;
    }
    if (i == start || parts[part] > 99) return 0;
    if (part < 2) {
      if (i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

}  // namespace

ServerIdentity parse_server_version(std::string_view version) {
  ServerIdentity id;
  const bool mariadb = version.find("MariaDB") != std::string_view::npos;
  // MariaDB 10+ announces itself as 5.5.5-10.x.y-MariaDB so that old replicas accept it.
  if (mariadb && version.substr(0, 6) == "5.5.5-") version.remove_prefix(6);
  id.version = version_number(version);
  if (id.version != 0) id.flavor = mariadb ? ServerFlavor::MariaDB : ServerFlavor::MySQL;
  return id;
}

std::vector<Token> tokenize(std::string_view sql, LexicalMode mode) {
  return Lexer(sql, mode).run();
}

bool has_error(const std::vector<Token>& tokens) {
  return !tokens.empty() && tokens.back().kind == TokenKind::Error;
}

std::string_view to_string(TokenKind kind) {
  switch (kind) {
    case TokenKind::Word:
      return "word";
    case TokenKind::QuotedIdentifier:
      return "quoted_identifier";
    case TokenKind::String:
      return "string";
    case TokenKind::Number:
      return "number";
    case TokenKind::Placeholder:
      return "placeholder";
    case TokenKind::UserVariable:
      return "user_variable";
    case TokenKind::SystemVariable:
      return "system_variable";
    case TokenKind::Operator:
      return "operator";
    case TokenKind::Semicolon:
      return "semicolon";
    case TokenKind::Hint:
      return "hint";
    case TokenKind::Error:
      return "error";
  }
  return "unknown";
}

bool is_keyword(const Token& token, std::string_view upper_keyword) {
  return token.kind == TokenKind::Word && equals_upper(token.text, upper_keyword);
}

bool is_operator(const Token& token, std::string_view op) {
  return token.kind == TokenKind::Operator && token.text == op;
}

bool is_identifier(const Token& token) {
  return token.kind == TokenKind::Word || token.kind == TokenKind::QuotedIdentifier;
}

std::string identifier_name(const Token& token) {
  if (token.kind != TokenKind::QuotedIdentifier || token.text.size() < 2) {
    return std::string(token.text);
  }
  const char q = token.text.front();
  std::string name;
  const std::string_view inner = token.text.substr(1, token.text.size() - 2);
  for (std::size_t i = 0; i < inner.size(); ++i) {
    name.push_back(inner[i]);
    if (inner[i] == q && i + 1 < inner.size() && inner[i + 1] == q) ++i;
  }
  return name;
}

}  // namespace sqlcache::cache
