#pragma once
// Renders the proxy's counters in the Prometheus text exposition format (version 0.0.4) and
// as JSON for /stats. https://prometheus.io/docs/instrumenting/exposition_formats/
#include <string>
#include <vector>

#include "proxy/cache_policy.hpp"
#include "proxy/metrics.hpp"

namespace sqlcache::proxy {

struct StoreStatus {
  std::string kind;       // "redis", "memory", "none"
  bool available = true;  // false while the circuit breaker is open
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t round_trips = 0;
  std::uint64_t round_trip_micros = 0;
  // The near cache in front of a Redis store, when one is configured.
  bool near_cache = false;
  bool near_cache_tracking = false;  // its invalidation listener is subscribed
  std::uint64_t near_cache_entries = 0;
  std::uint64_t near_cache_bytes = 0;
};

// `worker_connections`: the client connections each worker thread serves now, by index.
std::string render_prometheus(const Metrics& metrics, const CachePolicy* policy,
                              const StoreStatus& store,
                              const std::vector<std::size_t>& worker_connections);
std::string render_stats_json(const Metrics& metrics, const CachePolicy* policy,
                              const StoreStatus& store,
                              const std::vector<std::size_t>& worker_connections);

}  // namespace sqlcache::proxy
