#include "cache/sql_hints.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "cache/sql_keywords.hpp"

namespace sqlcache::cache {
namespace {

using std::chrono::milliseconds;

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Hint content as words; `=` is a word of its own so that "ttl=30s" and "ttl = 30s" agree.
std::vector<std::string_view> hint_words(std::string_view content) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < content.size()) {
    if (is_space(content[i])) {
      ++i;
      continue;
    }
    if (content[i] == '=') {
      words.push_back(content.substr(i, 1));
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < content.size() && !is_space(content[i]) && content[i] != '=') ++i;
    words.push_back(content.substr(start, i - start));
  }
  return words;
}

bool is(std::string_view word, std::string_view upper) { return to_upper_ascii(word) == upper; }

}  // namespace

std::optional<milliseconds> parse_hint_duration(std::string_view text) {
  std::size_t digits = 0;
  std::int64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (digits == 10) return std::nullopt;
    value = value * 10 + (text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  const std::string unit = to_upper_ascii(text.substr(digits));
  std::int64_t ms_per_unit = 0;
  if (unit.empty() || unit == "S") {
    ms_per_unit = 1000;
  } else if (unit == "MS") {
    ms_per_unit = 1;
  } else if (unit == "M") {
    ms_per_unit = 60 * 1000;
  } else if (unit == "H") {
    ms_per_unit = 3600 * 1000;
  } else {
    return std::nullopt;
  }
  constexpr std::int64_t kOneYearMs = std::int64_t{365} * 24 * 3600 * 1000;
  if (value > kOneYearMs / ms_per_unit) return std::nullopt;
  return milliseconds(value * ms_per_unit);
}

CacheHint parse_cache_hint(std::string_view hint_text) {
  CacheHint hint;
  if (hint_text.size() < 5 || hint_text.substr(0, 3) != "/*+" ||
      hint_text.substr(hint_text.size() - 2) != "*/") {
    return hint;
  }
  const auto words = hint_words(hint_text.substr(3, hint_text.size() - 5));
  std::size_t k = 0;
  while (k < words.size() && !is(words[k], "SQLCACHE")) ++k;
  if (k == words.size()) return hint;
  hint.present = true;

  std::size_t j = k + 1;
  int directives = 0;
  while (j < words.size()) {
    if (is(words[j], "OFF")) {
      hint.off = true;
      ++j;
      ++directives;
      continue;
    }
    if (!is(words[j], "TTL")) break;
    std::optional<milliseconds> ttl;
    if (j + 2 < words.size() && words[j + 1] == "=") ttl = parse_hint_duration(words[j + 2]);
    if (!ttl) {
      hint.malformed = true;
      break;
    }
    hint.ttl = ttl;
    j += 3;
    ++directives;
  }
  if (directives == 0) hint.malformed = true;
  if (hint.malformed) {
    hint.ttl.reset();  // a half-understood TTL is not applied; `off` still is (the safe side)
    return hint;
  }
  if (hint.ttl && hint.ttl->count() == 0) hint.off = true;
  hint.only_sqlcache = k == 0 && j == words.size();
  return hint;
}

}  // namespace sqlcache::cache
