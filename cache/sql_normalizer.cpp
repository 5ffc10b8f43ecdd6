#include "cache/sql_normalizer.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "cache/sql_functions.hpp"
#include "cache/sql_hints.hpp"
#include "cache/sql_keywords.hpp"

namespace sqlcache::cache {
namespace {

constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);

// Reserved words after which a `name(` is a call: `SELECT count(*)`, `WHERE year(d) = ...`.
// After other words (INTO, TABLE, JOIN, FROM, AS, ...) `name(` may be a table or alias.
bool introduces_expression(const Token& t) {
  // clang-format off
  static const std::unordered_set<std::string_view> words = {
      "SELECT", "WHERE", "AND", "OR", "XOR", "NOT", "ON", "BY", "HAVING", "WHEN", "THEN", "ELSE",
      "CASE", "IN", "IS", "LIKE", "BETWEEN", "DISTINCT", "DISTINCTROW", "ALL", "RETURN",
      "INTERVAL", "DIV", "MOD", "REGEXP", "RLIKE", "LIMIT", "ESCAPE", "HIGH_PRIORITY",
      "STRAIGHT_JOIN", "SQL_SMALL_RESULT", "SQL_BIG_RESULT", "SQL_CALC_FOUND_ROWS",
  };
  // clang-format on
  if (t.kind != TokenKind::Word) return false;
  const UpperWord upper(t.text);
  return words.count(upper.view()) != 0;
}

class Normalizer {
 public:
  Normalizer(std::span<const Token> tokens, bool fold_all_words)
      : t_(tokens), fold_all_words_(fold_all_words), match_(tokens.size(), kNoMatch) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (is_operator(t_[i], "(")) {
        open.push_back(i);
      } else if (is_operator(t_[i], ")") && !open.empty()) {
        match_[open.back()] = i;
        open.pop_back();
      }
    }
  }

  std::string run() {
    // A single statement's final `;` changes nothing; in a multi-statement text every `;` is
    // kept (that text is never a key, and keeping it makes normalising twice a no-op).
    const auto semicolons = std::count_if(
        t_.begin(), t_.end(), [](const Token& t) { return t.kind == TokenKind::Semicolon; });
    std::size_t last = t_.size();  // one past the last token that will be written
    while (last > 0 && is_our_hint(t_[last - 1])) --last;
    const std::size_t dropped_semicolon =
        semicolons == 1 && last > 0 && t_[last - 1].kind == TokenKind::Semicolon ? last - 1
                                                                                 : kNoMatch;
    const std::size_t end = t_.size();
    std::string out;
    out.reserve(end * 8);
    std::string_view condition;
    bool pending_space = false;
    for (std::size_t i = 0; i < end; ++i) {
      const Token& tok = t_[i];
      if (i == dropped_semicolon) continue;
      if (is_our_hint(tok)) {
        pending_space = true;
        continue;
      }
      bool space = (tok.space_before || pending_space) && !out.empty();
      if (tok.condition != condition) {
        if (!condition.empty()) {
          out += " */";
          space = true;
        }
        condition = tok.condition;
        if (!condition.empty()) {
          if (!out.empty()) out += ' ';
          out += condition;
          space = true;
        }
      }
      if (space) out += ' ';
      pending_space = false;
      if (folds(i)) {
        for (char c : tok.text)
          out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      } else {
        out += tok.text;
      }
    }
    if (!condition.empty()) out += " */";
    return out;
  }

 private:
  static bool is_our_hint(const Token& t) {
    return t.kind == TokenKind::Hint && parse_cache_hint(t.text).only_sqlcache;
  }

  // The token before t_[i] that the grammar sees: optimizer hints are comments to it (and ours
  // are not even in the output). nullptr at the start.
  const Token* previous(std::size_t i) const {
    while (i > 0) {
      if (t_[--i].kind != TokenKind::Hint) return &t_[i];
    }
    return nullptr;
  }

  // The index of the token after t_[i] that the grammar sees (hints skipped, as above);
  // t_.size() at the end.
  std::size_t next(std::size_t i) const {
    while (++i < t_.size() && t_[i].kind == TokenKind::Hint) {
    }
    return i;
  }

  bool folds(std::size_t i) const {
    const Token& tok = t_[i];
    if (tok.kind != TokenKind::Word) return false;
    if (fold_all_words_) return true;
    const Token* before = previous(i);
    if (before != nullptr && is_operator(*before, ".")) return false;  // db.Select is a name
    if (is_reserved_word(tok.text)) return true;
    const std::size_t open = next(i);
    if (open >= t_.size() || !is_operator(t_[open], "(")) return false;
    if (classify_function(tok.text) == FunctionKind::Unknown) return false;
    if (before == nullptr) return false;
    const Token& prev = *before;
    const bool call_position =
        (prev.kind == TokenKind::Operator && prev.text != "." && prev.text != ")") ||
        introduces_expression(prev);
    if (!call_position) return false;
    // WITH a AS (...), count(n) AS (...): a CTE with a column list, not a call.
    const std::size_t close = match_[open];
    if (close != kNoMatch && close + 2 < t_.size() && is_keyword(t_[close + 1], "AS") &&
        is_operator(t_[close + 2], "(")) {
      return false;
    }
    return true;
  }

  std::span<const Token> t_;
  bool fold_all_words_;
  std::vector<std::size_t> match_;
};

}  // namespace

std::string normalize_tokens(std::span<const Token> tokens) {
  return Normalizer(tokens, false).run();
}

std::string normalize_tokens_folding_words(std::span<const Token> tokens) {
  return Normalizer(tokens, true).run();
}

std::string exact_key_text(std::string_view sql, std::span<const Token> tokens) {
  // Only where a hint cannot be part of a column's name: right after the leading SELECT.
  if (tokens.size() < 3 || !is_keyword(tokens[0], "SELECT") || tokens[1].kind != TokenKind::Hint ||
      !parse_cache_hint(tokens[1].text).only_sqlcache) {
    return std::string(sql);
  }
  const std::size_t select_end = tokens[0].offset + tokens[0].text.size();
  std::string out(sql.substr(0, select_end));
  out.push_back(' ');
  out.append(sql.substr(tokens[2].offset));
  return out;
}

std::string normalize(std::string_view sql, LexicalMode mode) {
  const std::vector<Token> tokens = tokenize(sql, mode);
  return normalize_tokens(tokens);
}

}  // namespace sqlcache::cache
