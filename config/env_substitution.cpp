#include "config/env_substitution.hpp"

#include <cstdlib>

namespace sqlcache::config {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_variable_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

ParseResult<Substituted> substitute_environment(std::string_view text, const EnvLookup& env) {
  Substituted out;
  out.text.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$' || i + 1 == text.size()) {
      out.text += c;
      ++i;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out.text += '$';
      i += 2;
      continue;
    }
    if (is_name_start(next)) {
      std::size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      std::string name(text.substr(i + 1, end - i - 1));
      return ParseError{"'$" + name + "' needs braces: write ${" + name +
                        "} for an environment variable or $$ for a literal '$'"};
    }
    if (next != '{') {
      out.text += '$';
      ++i;
      continue;
    }

    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return ParseError{"'${' without a closing '}'"};
    std::string_view inside = text.substr(i + 2, close - i - 2);
    std::size_t default_at = inside.find(":-");
    std::string_view name = inside.substr(0, default_at);
    if (!is_variable_name(name)) {
      return ParseError{
          "'${...}' must hold a variable name (letters, digits and '_', not starting with a "
          "digit), optionally followed by :-default"};
    }
    std::optional<std::string> value = env(std::string(name));
    if (default_at != std::string_view::npos && (!value || value->empty())) {
      value = std::string(inside.substr(default_at + 2));
    }
    if (!value) {
      return ParseError{"environment variable " + std::string(name) + " is not set (write ${" +
                        std::string(name) + ":-} to allow it to be empty)"};
    }
    out.text += *value;
    out.used_environment = true;
    i = close + 1;
  }
  return out;
}

}  // namespace sqlcache::config
