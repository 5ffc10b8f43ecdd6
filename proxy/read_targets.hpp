#pragma once
// What the tables of a cacheable read resolve to under the cache policy: the TTL decision of
// the table rules and the generation keys a lookup reads. A statement resolves to the same
// thing on every hit, so each worker remembers the answer per analysed statement: building the
// key strings and matching the rules again was a tenth of a hit's instructions (allocations
// mostly). One memo per worker thread: no locks.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/sql_analysis.hpp"
#include "config/ttl_rules.hpp"
#include "proxy/cache_policy.hpp"

namespace sqlcache::proxy {

struct ReadTargets {
  // The rule decision for the tables (before any TTL hint). Its `rule` points into the policy
  // the targets were resolved under.
  config::TtlDecision decision;
  // The global key, each schema's key once, each table's key, and the write epoch key last
  // (see StoreQueryCache::plan_read for what each is for).
  std::vector<std::string> generation_keys;
  // The tables read, each with its schema (the session's where the statement named none).
  std::vector<cache::TableName> tables;
};

// nullptr when a table names no schema and the session has no default schema either.
std::shared_ptr<const ReadTargets> resolve_read_targets(
    const CachePolicy& policy, std::string_view session_schema,
    const std::vector<cache::TableName>& tables);

class ReadTargetMemo {
 public:
  static constexpr std::size_t kMaxEntries = 4096;
  // Statements whose key text is longer are resolved every time rather than remembered (the
  // memo holds their analysis alive).
  static constexpr std::size_t kMaxStatementSize = 2048;

  // Like resolve_read_targets() for `analysis`'s tables_read. A new policy (a reload) forgets
  // what was remembered under the old one.
  std::shared_ptr<const ReadTargets> resolve(
      const std::shared_ptr<const CachePolicy>& policy, std::string_view session_schema,
      const std::shared_ptr<const cache::Analysis>& analysis);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    // Keeps the analysis alive, so its address (the map key) cannot be reused by another.
    std::shared_ptr<const cache::Analysis> analysis;
    bool uses_session_schema = false;
    std::string session_schema;  // what it was resolved with, when uses_session_schema
    std::shared_ptr<const ReadTargets> targets;
  };

  // Keeps the policy alive: the remembered decisions point into its rules.
  std::shared_ptr<const CachePolicy> policy_;
  std::unordered_map<const cache::Analysis*, Entry> entries_;
};

}  // namespace sqlcache::proxy
