// Word lists the analyser needs about the SQL dialect itself (not about functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sqlcache::cache {

std::string to_upper_ascii(std::string_view text);

// A word upper-cased into a small buffer, for set lookups without allocating. Words longer than
// any keyword or built-in name come out empty (and so match nothing).
class UpperWord {
 public:
  explicit UpperWord(std::string_view word);
  std::string_view view() const { return {buffer_, size_}; }

 private:
  static constexpr std::size_t kMax = 64;
  char buffer_[kMax];
  std::size_t size_ = 0;
};

// Reserved in BOTH MySQL 8.0 and MariaDB 10.11: such a word can never be an unquoted table,
// schema or alias name (except right after a `.`), so folding its case never merges two
// different statements. Words reserved in only one of them are deliberately absent.
bool is_reserved_word(std::string_view word);

// Words that cannot be a table alias or a table name where the parser expects one: the reserved
// words plus clause keywords of either server. Being over-inclusive here only makes the parser
// give up (and the statement bypass), never misread a name.
bool is_structural_keyword(std::string_view word);

}  // namespace sqlcache::cache
