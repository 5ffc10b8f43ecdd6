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
  // Distinct table lists remembered (applications read far fewer table combinations than they
  // send statements); when full, it starts over.
  static constexpr std::size_t kMaxEntries = 4096;
  // Longer lists are resolved every time.
  static constexpr std::size_t kMaxTables = 64;

  // resolve_read_targets(), remembered per list of tables as resolved (each unqualified one in
  // the session's schema): every statement reading the same tables shares the answer. A new
  // policy (a reload) forgets what was remembered under the old one.
  std::shared_ptr<const ReadTargets> resolve(const std::shared_ptr<const CachePolicy>& policy,
                                             std::string_view session_schema,
                                             const std::vector<cache::TableName>& tables);

  std::size_t size() const { return entries_.size(); }

 private:
  // Keeps the policy alive: the remembered decisions point into its rules.
  std::shared_ptr<const CachePolicy> policy_;
  // By a hash of the resolved list; each entry's `tables` is that list, to compare.
  std::unordered_multimap<std::size_t, std::shared_ptr<const ReadTargets>> entries_;
};

}  // namespace sqlcache::proxy
