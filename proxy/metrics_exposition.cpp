#include "proxy/metrics_exposition.hpp"

#include <cstdio>

#include "proxy/bypass_reason.hpp"

namespace sqlcache::proxy {
namespace {

class Exposition {
 public:
  void header(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, " %.17g\n", value);
    out_ += buffer;
  }
  void counter(const char* name, const char* help, std::uint64_t value) {
    header(name, "counter", help);
    sample(name, "", static_cast<double>(value));
  }
  void gauge(const char* name, const char* help, double value) {
    header(name, "gauge", help);
    sample(name, "", value);
  }
  void histogram(const std::string& name, const std::string& label,
                 const LatencyHistogram& histogram) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
      cumulative += histogram.buckets[i].get();
      char le[32];
      std::snprintf(le, sizeof le, "%g", LatencyHistogram::kBounds[i]);
      sample(name + "_bucket", label + ",le=\"" + le + "\"", static_cast<double>(cumulative));
    }
    cumulative += histogram.buckets.back().get();
    sample(name + "_bucket", label + ",le=\"+Inf\"", static_cast<double>(cumulative));
    sample(name + "_sum", label,
           static_cast<double>(histogram.sum_nanoseconds.load(std::memory_order_relaxed)) / 1e9);
    sample(name + "_count", label, static_cast<double>(histogram.count.get()));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_prometheus(const Metrics& m, const CachePolicy* policy, const StoreStatus& store,
                              const std::vector<std::size_t>& worker_connections) {
  Exposition e;
  e.gauge("sqlcache_client_connections", "Client connections open now.",
          static_cast<double>(m.client_connections_open.get()));
  e.header("sqlcache_worker_connections", "gauge",
           "Client connections each worker thread serves now (a new connection goes to the "
           "worker with the fewest).");
  for (std::size_t i = 0; i < worker_connections.size(); ++i) {
    e.sample("sqlcache_worker_connections", "worker=\"" + std::to_string(i) + "\"",
             static_cast<double>(worker_connections[i]));
  }
  e.counter("sqlcache_client_connections_total", "Client connections accepted.",
            m.client_connections_total.get());
  e.counter("sqlcache_client_connections_rejected_total",
            "Client connections refused over max_connections.",
            m.client_connections_rejected.get());
  e.header("sqlcache_client_timeouts_total", "counter",
           "Client connections closed by a timeout: handshake (no complete login within "
           "handshake_timeout) or idle (no command within idle_timeout).");
  e.sample("sqlcache_client_timeouts_total", "phase=\"handshake\"",
           static_cast<double>(m.client_handshake_timeouts.get()));
  e.sample("sqlcache_client_timeouts_total", "phase=\"idle\"",
           static_cast<double>(m.client_idle_timeouts.get()));
  e.counter("sqlcache_client_packets_too_large_total",
            "Client commands refused because they exceeded max_packet_size (error 1153).",
            m.client_packets_too_large.get());
  e.counter("sqlcache_commands_total", "Client commands handled.", m.commands.get());
  e.counter("sqlcache_backend_errors_total",
            "Backend connections that failed to open or were lost.", m.backend_errors.get());
  e.counter("sqlcache_protocol_errors_total",
            "Backend responses that did not follow the MySQL protocol.", m.protocol_errors.get());
  e.counter("sqlcache_client_tls_connections_total", "Client connections that switched to TLS.",
            m.client_tls_connections.get());
  e.counter("sqlcache_client_tls_failures_total", "TLS handshakes with clients that failed.",
            m.client_tls_failures.get());
  e.counter("sqlcache_client_plaintext_refused_total",
            "Plaintext clients refused because client_tls.require is set.",
            m.client_plaintext_refused.get());

  e.header("sqlcache_queries_total", "counter",
           "Queries by outcome: hit, miss, bypass (see sqlcache_bypass_total), write.");
  e.sample("sqlcache_queries_total", "outcome=\"hit\",protocol=\"text\"",
           static_cast<double>(m.cache_hits_text.get()));
  e.sample("sqlcache_queries_total", "outcome=\"hit\",protocol=\"binary\"",
           static_cast<double>(m.cache_hits_prepared.get()));
  e.sample("sqlcache_queries_total", "outcome=\"miss\",protocol=\"text\"",
           static_cast<double>(m.cache_misses_text.get()));
  e.sample("sqlcache_queries_total", "outcome=\"miss\",protocol=\"binary\"",
           static_cast<double>(m.cache_misses_prepared.get()));
  std::uint64_t bypass_total = 0;
  for (const auto& counter : m.bypass) bypass_total += counter.get();
  e.sample("sqlcache_queries_total", "outcome=\"bypass\",protocol=\"any\"",
           static_cast<double>(bypass_total));
  e.sample("sqlcache_queries_total", "outcome=\"write\",protocol=\"any\"",
           static_cast<double>(m.writes.get()));

  e.header("sqlcache_bypass_total", "counter",
           "Statements sent to the database uncached, by reason.");
  for (std::size_t i = 0; i < m.bypass.size(); ++i) {
    std::string_view name = bypass_reason_name(i);
    if (name.empty()) continue;
    e.sample("sqlcache_bypass_total", "reason=\"" + std::string(name) + "\"",
             static_cast<double>(m.bypass[i].get()));
  }

  e.header("sqlcache_query_duration_seconds", "histogram",
           "Time from a command's arrival to its response, by outcome.");
  e.histogram("sqlcache_query_duration_seconds", "outcome=\"hit\"", m.latency_hit);
  e.histogram("sqlcache_query_duration_seconds", "outcome=\"miss\"", m.latency_miss);
  e.histogram("sqlcache_query_duration_seconds", "outcome=\"bypass\"", m.latency_bypass);
  e.histogram("sqlcache_query_duration_seconds", "outcome=\"write\"", m.latency_write);

  e.counter("sqlcache_cache_coalesced_total",
            "Misses answered by an identical miss in flight on the same thread.",
            m.cache_coalesced_hits.get());
  e.counter("sqlcache_cache_stale_total", "Entries found but filled under older table generations.",
            m.cache_stale.get());
  e.counter("sqlcache_cache_stores_total", "Results stored in the cache.", m.cache_stores.get());
  e.counter("sqlcache_cache_results_too_large_total",
            "Results not stored because they exceeded max_result_bytes.",
            m.cache_results_too_large.get());
  e.counter("sqlcache_cache_corrupt_values_total",
            "Values read from the store that failed their format or checksum check.",
            m.cache_corrupt_values.get());
  e.counter("sqlcache_cache_served_bytes_total", "Response bytes served from the cache.",
            m.cache_bytes_served.get());
  e.counter("sqlcache_invalidations_total", "Table, schema or global generations bumped.",
            m.invalidations.get());
  e.counter("sqlcache_invalidations_unknown_total",
            "Writes that could not be attributed to tables (invalidated a schema or everything).",
            m.invalidations_unknown.get());
  e.counter("sqlcache_invalidations_dependent_total",
            "Table generations bumped because a view, a foreign key action or a trigger ties "
            "them to a written table.",
            m.invalidations_dependent.get());
  e.counter("sqlcache_dependency_loads_total",
            "Schema catalogs (views, foreign keys, triggers) read through a client's session.",
            m.dependency_loads.get());
  e.counter("sqlcache_dependency_load_errors_total",
            "Schema catalog reads that failed (writes then follow the catalog read before, or "
            "invalidate everything when there is none).",
            m.dependency_load_errors.get());
  e.counter("sqlcache_store_errors_total", "Store lookups, stores and bumps that failed.",
            m.cache_store_errors.get());

  e.header("sqlcache_store_up", "gauge",
           "1 while the cache store is usable, 0 while its circuit breaker is open.");
  e.sample("sqlcache_store_up", "store=\"" + escape_label(store.kind) + "\"",
           store.available ? 1 : 0);
  e.counter("sqlcache_store_timeouts_total", "Store commands that timed out.", store.timeouts);
  e.counter("sqlcache_store_round_trips_total", "Store round trips that got a reply.",
            store.round_trips);
  e.header("sqlcache_store_round_trip_seconds_total", "counter",
           "Time spent in store round trips that got a reply (divide by round trips).");
  e.sample("sqlcache_store_round_trip_seconds_total", "",
           static_cast<double>(store.round_trip_micros) / 1e6);
  if (store.near_cache) {
    e.header("sqlcache_near_cache_up", "gauge",
             "1 while the near cache's invalidation listener is subscribed (the near cache "
             "answers only then).");
    e.sample("sqlcache_near_cache_up", "", store.near_cache_tracking ? 1 : 0);
    e.counter("sqlcache_near_cache_hits_total",
              "Hits the near cache answered without a Redis round trip.", m.cache_near_hits.get());
    e.header("sqlcache_near_cache_entries", "gauge", "Entries in the near cache.");
    e.sample("sqlcache_near_cache_entries", "", static_cast<double>(store.near_cache_entries));
    e.header("sqlcache_near_cache_bytes", "gauge",
             "Bytes the near cache holds (keys, values, bookkeeping).");
    e.sample("sqlcache_near_cache_bytes", "", static_cast<double>(store.near_cache_bytes));
  }

  if (policy != nullptr) {
    const auto& rules = policy->rules.rules();
    e.header("sqlcache_table_hits_total", "counter", "Cache hits per configured table rule.");
    for (std::size_t i = 0; i < rules.size(); ++i) {
      e.sample("sqlcache_table_hits_total", "table=\"" + escape_label(rules[i].match()) + "\"",
               static_cast<double>(policy->rule_counters->hits[i].get()));
    }
    e.header("sqlcache_table_misses_total", "counter", "Cache misses per configured table rule.");
    for (std::size_t i = 0; i < rules.size(); ++i) {
      e.sample("sqlcache_table_misses_total", "table=\"" + escape_label(rules[i].match()) + "\"",
               static_cast<double>(policy->rule_counters->misses[i].get()));
    }
  }
  return e.take();
}

std::string render_stats_json(const Metrics& m, const CachePolicy* policy, const StoreStatus& store,
                              const std::vector<std::size_t>& worker_connections) {
  std::string out = "{";
  auto field = [&](const char* name, std::uint64_t value, bool comma = true) {
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(value);
    if (comma) out += ',';
  };
  field("client_connections_open",
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, m.client_connections_open.get())));
  out += "\"worker_connections\":[";
  for (std::size_t i = 0; i < worker_connections.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(worker_connections[i]);
  }
  out += "],";
  field("client_connections_total", m.client_connections_total.get());
  field("commands", m.commands.get());
  field("hits_text", m.cache_hits_text.get());
  field("hits_prepared", m.cache_hits_prepared.get());
  field("misses_text", m.cache_misses_text.get());
  field("misses_prepared", m.cache_misses_prepared.get());
  field("writes", m.writes.get());
  field("stores", m.cache_stores.get());
  field("invalidations", m.invalidations.get());
  field("store_errors", m.cache_store_errors.get());
  field("backend_errors", m.backend_errors.get());
  out += "\"bypass\":{";
  bool first = true;
  for (std::size_t i = 0; i < m.bypass.size(); ++i) {
    std::string_view name = bypass_reason_name(i);
    if (name.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(m.bypass[i].get());
  }
  out += "},\"store\":{\"kind\":\"" + escape_label(store.kind) +
         "\",\"available\":" + (store.available ? "true" : "false") + "},\"tables\":[";
  if (policy != nullptr) {
    const auto& rules = policy->rules.rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"match\":\"" + escape_label(rules[i].match()) +
             "\",\"ttl_ms\":" + std::to_string(rules[i].ttl.count()) +
             ",\"hits\":" + std::to_string(policy->rule_counters->hits[i].get()) +
             ",\"misses\":" + std::to_string(policy->rule_counters->misses[i].get()) + "}";
    }
  }
  out += "]}\n";
  return out;
}

}  // namespace sqlcache::proxy
