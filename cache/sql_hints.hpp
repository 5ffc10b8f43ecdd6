// The proxy's own directives, written as optimizer hints so that they travel through drivers and
// ORMs untouched and the server ignores them (an unknown hint is only a warning):
//
//   SELECT /*+ sqlcache ttl=30s */ ...     cache this result for 30 seconds
//   SELECT /*+ sqlcache off */ ...         never cache this statement
//
// Durations: 500ms, 30s, 10m, 1h, or a plain number of seconds. ttl=0 means "do not cache".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sqlcache::cache {

struct CacheHint {
  bool present = false;  // the hint names sqlcache
  bool off = false;      // sqlcache off (or ttl=0)
  std::optional<std::chrono::milliseconds> ttl;
  bool malformed = false;      // sqlcache followed by something we do not understand
  bool only_sqlcache = false;  // nothing but sqlcache directives: the hint is left out of the key
};

// hint_text is a whole Hint token, markers included: "/*+ sqlcache ttl=30s */".
CacheHint parse_cache_hint(std::string_view hint_text);

// "500ms", "30s", "10m", "1h", "45" (seconds). nullopt when malformed or larger than a year.
std::optional<std::chrono::milliseconds> parse_hint_duration(std::string_view text);

}  // namespace sqlcache::cache
