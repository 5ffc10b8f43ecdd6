#pragma once
// What a reload (SIGHUP) may change in a running proxy. The cache policy (TTL rules, default
// TTL, sharing, size limits, transactions, hints, coalescing) and the log level and slow-query
// threshold take effect at once; everything that shapes sockets, threads, TLS contexts or the
// store connection needs a restart. A reload never half-applies: the new file is loaded and
// validated first, and on any error the running configuration stays as it is.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sqlcache::config {

struct ReloadPlan {
  // Keys whose new value differs but only takes effect after a restart ("listen",
  // "backend.host", "cache.store", ...); the proxy logs them as a warning.
  std::vector<std::string> needs_restart;
  bool cache_policy_changed = false;
  bool log_changed = false;
};

ReloadPlan plan_reload(const Config& running, const Config& loaded);

// `running` with the reloadable parts of `loaded`: what the proxy runs with after the reload.
Config apply_reload(const Config& running, const Config& loaded);

}  // namespace sqlcache::config
