#pragma once
// The part of the configuration the cache path reads on every query, built once per
// (re)load and shared read-only by the workers (a SIGHUP swaps the pointer).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/ttl_rules.hpp"
#include "proxy/metrics.hpp"

namespace sqlcache::proxy {

// Hits and misses per configured table rule (sqlcache_table_*_total), indexed like the rules.
struct RuleCounters {
  explicit RuleCounters(std::size_t rules) : hits(rules), misses(rules) {}
  std::vector<Counter> hits;
  std::vector<Counter> misses;
};

struct CachePolicy {
  config::TtlRules rules;
  bool hints = true;
  bool cache_in_transactions = false;
  std::uint64_t max_result_bytes = 1 << 20;
  std::uint64_t max_result_rows = 10000;
  std::string key_prefix = "sqlcache:";
  std::chrono::milliseconds coalesce_wait{1000};
  bool follow_dependencies = true;
  std::chrono::milliseconds dependency_refresh{60000};
  std::shared_ptr<RuleCounters> rule_counters = std::make_shared<RuleCounters>(0);

  // The index of `rule` in rules.rules(), or -1 for the defaults.
  int rule_index(const config::TtlRule* rule) const {
    if (rule == nullptr) return -1;
    return static_cast<int>(rule - rules.rules().data());
  }

  static std::shared_ptr<const CachePolicy> from(const config::Config& config) {
    auto policy = std::make_shared<CachePolicy>();
    policy->rules = config.cache.ttl_rules();
    policy->hints = config.cache.hints;
    policy->cache_in_transactions = config.cache.cache_in_transactions;
    policy->max_result_bytes = config.cache.max_result_bytes;
    policy->max_result_rows = config.cache.max_result_rows;
    policy->key_prefix = config.cache.key_prefix;
    policy->coalesce_wait = config.cache.coalesce_wait;
    policy->follow_dependencies = config.cache.follow_dependencies;
    policy->dependency_refresh = config.cache.dependency_refresh;
    policy->rule_counters = std::make_shared<RuleCounters>(policy->rules.rules().size());
    return policy;
  }
};

}  // namespace sqlcache::proxy
