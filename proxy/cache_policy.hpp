#pragma once
// The part of the configuration the cache path reads on every query, built once per
// (re)load and shared read-only by the workers (a SIGHUP swaps the pointer).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/ttl_rules.hpp"

namespace sqlcache::proxy {

struct CachePolicy {
  config::TtlRules rules;
  bool hints = true;
  bool cache_in_transactions = false;
  std::uint64_t max_result_bytes = 1 << 20;
  std::uint64_t max_result_rows = 10000;
  std::string key_prefix = "sqlcache:";
  std::chrono::milliseconds coalesce_wait{1000};

  static std::shared_ptr<const CachePolicy> from(const config::Config& config) {
    auto policy = std::make_shared<CachePolicy>();
    policy->rules = config.cache.ttl_rules();
    policy->hints = config.cache.hints;
    policy->cache_in_transactions = config.cache.cache_in_transactions;
    policy->max_result_bytes = config.cache.max_result_bytes;
    policy->max_result_rows = config.cache.max_result_rows;
    policy->key_prefix = config.cache.key_prefix;
    policy->coalesce_wait = config.cache.coalesce_wait;
    return policy;
  }
};

}  // namespace sqlcache::proxy
