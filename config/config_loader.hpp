#pragma once
// Reads a configuration file into a Config, or says precisely what is wrong with it: every
// problem in one pass, each as "file:line:column: message". Unknown keys, wrong types, bad
// addresses, URLs and TLS modes, duplicate or malformed TTL rules and unset environment
// variables are all errors; nothing is silently ignored.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"
#include "config/env_substitution.hpp"

namespace sqlcache::config {

struct LoadResult {
  std::optional<Config> config;     // set exactly when errors is empty
  std::vector<ConfigError> errors;  // in file order within each section

  bool ok() const { return config.has_value(); }
};

// Runs after the file is read and before the checks that involve several keys, so that
// command-line overrides and the file are validated together (see resolve_config).
using ConfigAdjustment = std::function<void(Config&)>;

LoadResult load_config_file(const std::string& path, const EnvLookup& env = process_environment(),
                            const ConfigAdjustment& adjust = {});

// `name_for_errors` stands in for the file name in messages.
LoadResult load_config_string(std::string_view yaml, std::string_view name_for_errors,
                              const EnvLookup& env = process_environment(),
                              const ConfigAdjustment& adjust = {});

}  // namespace sqlcache::config
