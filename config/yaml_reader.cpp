#include "config/yaml_reader.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "config/byte_size.hpp"
#include "config/decimal.hpp"
#include "config/duration.hpp"

namespace sqlcache::config {
namespace {

std::string_view type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    default:
      return "a value";
  }
}

bool is_null_mark(const YAML::Mark& mark) { return mark.line < 0 || mark.column < 0; }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::multiset<std::string_view> words(std::string_view key) {
  std::multiset<std::string_view> out;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = std::min(key.find('_', start), key.size());
    out.insert(key.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

const Entry* Section::find(std::string_view key) const {
  for (const Entry& entry : entries) {
    if (entry.key.Scalar() == key) return &entry;
  }
  return nullptr;
}

YamlReader::YamlReader(std::string file_name, const EnvLookup& env)
    : file_(std::move(file_name)), env_(env) {}

void YamlReader::error(const YAML::Mark& mark, std::string message) {
  ConfigError error{file_, 0, 0, std::move(message)};
  if (!is_null_mark(mark)) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  errors_.push_back(std::move(error));
}

void YamlReader::error_at_key(const std::string& key_path, std::string message) {
  // "cache.tables[1].ttl" -> "cache.tables[1]" -> "cache.tables" -> "cache" -> whole file.
  std::string path = key_path;
  while (!path.empty()) {
    if (auto found = key_marks_.find(path); found != key_marks_.end()) {
      error(found->second, std::move(message));
      return;
    }
    std::size_t cut = path.find_last_of(".[");
    path.resize(cut == std::string::npos ? 0 : cut);
  }
  error(YAML::Mark::null_mark(), std::move(message));
}

void YamlReader::remember_key(std::string key_path, const YAML::Mark& mark) {
  key_marks_.emplace(std::move(key_path), mark);
}

YAML::Mark YamlReader::value_mark(const Entry& entry) {
  if (entry.value.IsNull() || is_null_mark(entry.value.Mark())) return entry.key.Mark();
  return entry.value.Mark();
}

Section YamlReader::section(const YAML::Node& node, std::string path, const YAML::Mark& mark,
                            std::span<const std::string_view> allowed) {
  Section section{std::move(path), mark, {}};
  std::string where = section.path.empty() ? "at the top level" : "in " + section.path;
  if (node.IsNull()) return section;
  if (!node.IsMap()) {
    error(is_null_mark(node.Mark()) ? mark : node.Mark(),
          (section.path.empty() ? std::string("the file") : section.path) +
              ": expected a mapping of keys, got " + std::string(type_name(node)));
    return section;
  }

  std::map<std::string, int, std::less<>> first_line;
  // The iterator yields key/value pairs by value; the range-for keeps each one alive.
  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar()) {
      error(key.Mark(), "keys must be plain words " + where);
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message =
          "unknown key '" + name + "' " + where + "; expected one of: " + join(allowed);
      if (auto suggestion = closest_key(name, allowed)) {
        message += " (did you mean '" + std::string(*suggestion) + "'?)";
      }
      error(key.Mark(), std::move(message));
      continue;
    }
    auto [previous, inserted] = first_line.try_emplace(name, key.Mark().line + 1);
    if (!inserted) {
      error(key.Mark(), "duplicate key '" + name + "' " + where + " (first at line " +
                            std::to_string(previous->second) + ")");
      continue;
    }
    std::string entry_path = section.path.empty() ? name : section.path + "." + name;
    key_marks_.emplace(entry_path, key.Mark());
    section.entries.push_back(Entry{std::move(entry_path), key, pair.second});
  }
  return section;
}

std::optional<Scalar> YamlReader::scalar(const Entry& entry, Echo echo) {
  if (entry.value.IsNull())
    return Scalar{"", echo == Echo::yes ? std::optional<std::string>("") : std::nullopt};
  if (!entry.value.IsScalar()) {
    error(entry.value.Mark(),
          entry.path + ": expected a single value, got " + std::string(type_name(entry.value)));
    return std::nullopt;
  }
  const std::string& raw = entry.value.Scalar();
  auto substituted = substitute_environment(raw, env_);
  if (!substituted) {
    error(entry.value.Mark(), entry.path + ": " + substituted.error());
    return std::nullopt;
  }
  Scalar out{std::move(substituted->text), std::nullopt};
  if (echo == Echo::yes) out.shown = substituted->used_environment ? raw : out.text;
  return out;
}

void YamlReader::report_bad_value(const Entry& entry, const Scalar& value, const std::string& why) {
  std::string message = entry.path + ": " + why;
  if (value.shown)
    message += value.shown->empty() ? ", got nothing" : ", got '" + *value.shown + "'";
  error(value_mark(entry), std::move(message));
}

ValueParser<std::string> any_text() {
  return [](std::string_view text) -> ParseResult<std::string> { return std::string(text); };
}

ValueParser<bool> boolean() {
  return [](std::string_view text) -> ParseResult<bool> {
    if (text == "true") return true;
    if (text == "false") return false;
    return ParseError{"expected true or false"};
  };
}

ValueParser<std::chrono::milliseconds> duration(ZeroDuration zero) {
  return [zero](std::string_view text) -> ParseResult<std::chrono::milliseconds> {
    auto parsed = parse_duration(text);
    if (!parsed) return ParseError{"expected a duration like 30s, 500ms or 1h30m"};
    if (parsed->count() == 0 && zero == ZeroDuration::rejected) {
      return ParseError{"must be longer than 0"};
    }
    return *parsed;
  };
}

ValueParser<std::uint64_t> byte_size(std::uint64_t min, std::uint64_t max) {
  return [min, max](std::string_view text) -> ParseResult<std::uint64_t> {
    auto parsed = parse_byte_size(text);
    if (!parsed) {
      for (std::string_view decimal_unit : {"kB", "KB", "MB", "GB", "TB"}) {
        if (text.ends_with(decimal_unit)) {
          return ParseError{
              "expected a size like 64MiB or a number of bytes (decimal units such "
              "as MB are ambiguous: write KiB, MiB or GiB)"};
        }
      }
      return ParseError{"expected a size like 64MiB or a number of bytes"};
    }
    if (max == std::numeric_limits<std::uint64_t>::max() && *parsed < min) {
      return ParseError{"must be at least " + format_byte_size(min)};
    }
    if (*parsed < min || *parsed > max) {
      return ParseError{"must be from " + format_byte_size(min) + " to " + format_byte_size(max)};
    }
    return *parsed;
  };
}

ValueParser<std::uint64_t> whole_number(std::uint64_t min, std::uint64_t max) {
  return [min, max](std::string_view text) -> ParseResult<std::uint64_t> {
    auto parsed = parse_decimal(text);
    if (!parsed || *parsed < min || *parsed > max) {
      return ParseError{"expected a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max)};
    }
    return *parsed;
  };
}

std::optional<std::string_view> closest_key(std::string_view unknown,
                                            std::span<const std::string_view> allowed) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;  // more than two edits is a different word
  for (std::string_view candidate : allowed) {
    if (words(candidate) == words(unknown)) return candidate;
    std::size_t distance = edit_distance(unknown, candidate);
    // Short keys are all a couple of edits apart ("ca", "db"): only suggest close relatives.
    if (distance < best_distance && distance * 3 <= candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace sqlcache::config
