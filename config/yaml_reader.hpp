#pragma once
// The loader's view of a YAML document: mappings checked against the keys they may hold, and
// scalar values turned into typed values after environment substitution. Every problem becomes
// a ConfigError at the line and column of the offending key or value; reading goes on so that
// one run reports all of them. Internal to config/.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/env_substitution.hpp"
#include "config/parse_result.hpp"

namespace sqlcache::config {

// One key of a mapping and its value. `path` is the dotted key ("cache.default_ttl",
// "cache.tables[2].ttl") used in messages.
struct Entry {
  std::string path;
  YAML::Node key;
  YAML::Node value;
};

// The known keys of one mapping, in file order, duplicates and unknown keys already reported.
struct Section {
  std::string path;  // "" for the top level
  YAML::Mark mark;   // where the mapping (or its key) is
  std::vector<Entry> entries;

  const Entry* find(std::string_view key) const;
};

// A scalar after substitution. `shown` is what messages may repeat: the text as written in the
// file when it drew on the environment, nothing at all for secrets.
struct Scalar {
  std::string text;
  std::optional<std::string> shown;
};

// Whether a value may appear in error messages (passwords, tokens and URLs may not).
enum class Echo { yes, no };

template <typename T>
using ValueParser = std::function<ParseResult<T>(std::string_view)>;

class YamlReader {
 public:
  YamlReader(std::string file_name, const EnvLookup& env);

  void error(const YAML::Mark& mark, std::string message);
  // At the position recorded for `key_path` (or its closest recorded parent).
  void error_at_key(const std::string& key_path, std::string message);

  // Records where `key_path` is for error_at_key (section() does this for every key it reads).
  void remember_key(std::string key_path, const YAML::Mark& mark);

  // A mapping's known entries. A null node is an empty mapping; anything else that is not a
  // mapping is reported and gives an empty section.
  Section section(const YAML::Node& node, std::string path, const YAML::Mark& mark,
                  std::span<const std::string_view> allowed);

  // The entry's value as text; nullopt (reported) if it is a mapping or a list. Null reads as "".
  std::optional<Scalar> scalar(const Entry& entry, Echo echo = Echo::yes);

  // Parses the entry's value into `out`; reports "<path>: <why>, got '<shown>'" on failure.
  template <typename T>
  bool read(const Entry& entry, T& out, const ValueParser<T>& parse, Echo echo = Echo::yes) {
    std::optional<Scalar> value = scalar(entry, echo);
    if (!value) return false;
    ParseResult<T> parsed = parse(value->text);
    if (!parsed) {
      report_bad_value(entry, *value, parsed.error());
      return false;
    }
    out = std::move(parsed).value();
    return true;
  }

  // Same, for a key that may be absent (then `out` keeps its default).
  template <typename T>
  bool read(const Section& section, std::string_view key, T& out, const ValueParser<T>& parse,
            Echo echo = Echo::yes) {
    const Entry* entry = section.find(key);
    return entry != nullptr && read(*entry, out, parse, echo);
  }

  // The mark to report a problem with `entry`'s value at: the value itself, or the key when the
  // value is empty (yaml-cpp places an empty value's mark on the next token).
  static YAML::Mark value_mark(const Entry& entry);

  bool has_errors() const { return !errors_.empty(); }
  std::vector<ConfigError> take_errors() { return std::move(errors_); }

 private:
  void report_bad_value(const Entry& entry, const Scalar& value, const std::string& why);

  std::string file_;
  const EnvLookup& env_;
  std::vector<ConfigError> errors_;
  std::map<std::string, YAML::Mark, std::less<>> key_marks_;
};

// Typed value parsers with the messages operators see.
ValueParser<std::string> any_text();
ValueParser<bool> boolean();
enum class ZeroDuration { allowed, rejected };
ValueParser<std::chrono::milliseconds> duration(ZeroDuration zero);
ValueParser<std::uint64_t> byte_size(std::uint64_t min, std::uint64_t max);
ValueParser<std::uint64_t> whole_number(std::uint64_t min, std::uint64_t max);

// "did you mean 'default_ttl'?" for a key that is one or two edits away, or that has the same
// words in another order; nullopt otherwise.
std::optional<std::string_view> closest_key(std::string_view unknown,
                                            std::span<const std::string_view> allowed);

}  // namespace sqlcache::config
