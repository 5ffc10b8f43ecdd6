#pragma once
// Environment variables in configuration values, so that secrets stay out of the file:
//   ${NAME}          the variable's value; an error if it is not set
//   ${NAME:-default} the value, or `default` when the variable is unset or empty
//   $$               a literal '$'
// A '$' followed by anything else is kept as it is, except "$NAME" (a forgotten pair of
// braces), which is an error rather than a silent literal. Substitution happens once: a value
// that itself contains "${...}" is not expanded again.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sqlcache::config {

// Returns a variable's value, or nullopt if it is not set. Tests pass a map; the proxy passes
// process_environment().
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

EnvLookup process_environment();

struct Substituted {
  std::string text;
  // True if any ${...} was replaced: the text may then hold a secret and must not be echoed in
  // error messages.
  bool used_environment = false;
};

// Error messages name the variable, never a value.
ParseResult<Substituted> substitute_environment(std::string_view text, const EnvLookup& env);

}  // namespace sqlcache::config
