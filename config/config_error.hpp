#pragma once
// One problem found in a configuration file, located the way editors and compilers do it.
#include <string>

namespace sqlcache::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem concerns the whole file
  int column = 0;  // 1-based
  std::string message;

  // "file:line:column: message", or "file: message" without a position.
  std::string to_string() const;
  bool operator==(const ConfigError&) const = default;
};

}  // namespace sqlcache::config
