#pragma once
// The proxy's counters, in one place; the admin endpoint exports them (docs/operations.md).
// Relaxed atomics: every thread counts without locks; a scrape reads a consistent-enough view.
#include <array>
#include <atomic>
#include <cstdint>

namespace sqlcache::proxy {

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void operator++(int) { value.fetch_add(1, std::memory_order_relaxed); }
  void add(std::uint64_t n) { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct Gauge {
  std::atomic<std::int64_t> value{0};
  void inc() { value.fetch_add(1, std::memory_order_relaxed); }
  void dec() { value.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t get() const { return value.load(std::memory_order_relaxed); }
};

// Latency histogram with fixed buckets (seconds), Prometheus style.
struct LatencyHistogram {
  static constexpr std::array<double, 14> kBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                     0.0025,  0.005,  0.01,    0.025,  0.05,
                                                     0.1,     0.25,   1.0,     5.0};
  std::array<Counter, kBounds.size() + 1> buckets;  // last: +Inf
  Counter count;
  std::atomic<std::uint64_t> sum_nanoseconds{0};
  void observe(std::uint64_t nanoseconds);
};

struct Metrics {
  // Connections.
  Counter client_connections_total;
  Counter client_connections_authenticated;
  Counter client_connections_rejected;  // over max_connections
  Counter client_handshake_timeouts;    // closed: no complete login within handshake_timeout
  Counter client_idle_timeouts;         // closed: no command within idle_timeout
  Counter client_packets_too_large;     // refused: a command over max_packet_size
  Gauge client_connections_open;
  Counter commands;
  Counter backend_errors;            // connect failures and connections lost
  Counter protocol_errors;           // responses that did not follow the protocol
  Counter client_tls_connections;    // clients that switched to TLS
  Counter client_tls_failures;       // TLS handshakes with clients that failed
  Counter client_plaintext_refused;  // plaintext clients refused by client_tls.require

  // Cache outcomes. A query is exactly one of: hit, miss, bypass (with a reason), write.
  Counter cache_hits_text;
  Counter cache_hits_prepared;
  Counter cache_misses_text;
  Counter cache_misses_prepared;
  Counter cache_coalesced_hits;  // misses answered by a concurrent identical miss
  Counter cache_stale;           // entries found but filled under older generations
  Counter cache_near_hits;       // hits the near cache answered (no Redis round trip)
  Counter cache_stores;
  Counter cache_store_errors;  // lookups, puts and bumps the store failed
  Counter cache_corrupt_values;
  Counter cache_results_too_large;
  Counter cache_bytes_served;
  Counter writes;
  Counter invalidations;            // generation keys bumped
  Counter invalidations_unknown;    // writes that could not be attributed to tables
  Counter invalidations_dependent;  // generations bumped for views, FK actions and triggers
  Counter dependency_loads;         // schema catalogs read (proxy/dependency_tracker.hpp)
  Counter dependency_load_errors;
  std::array<Counter, 48> bypass;  // indexed by bypass reason, see bypass_reason_name()
  LatencyHistogram latency_hit;
  LatencyHistogram latency_miss;
  LatencyHistogram latency_bypass;
  LatencyHistogram latency_write;
};

Metrics& global_metrics();

}  // namespace sqlcache::proxy
