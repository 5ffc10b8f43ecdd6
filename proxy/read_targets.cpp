#include "proxy/read_targets.hpp"

#include <algorithm>

#include "cache/cache_key.hpp"

namespace sqlcache::proxy {

namespace {

std::string_view schema_of(const cache::TableName& table, std::string_view session_schema) {
  return table.schema.empty() ? session_schema : std::string_view(table.schema);
}

std::size_t combine(std::size_t hash, std::string_view text) {
  return hash * 31 + std::hash<std::string_view>{}(text);
}

// Whether `resolved` (a ReadTargets' tables) is `tables` with the session's schema filled in.
bool same_tables(const std::vector<cache::TableName>& resolved,
                 const std::vector<cache::TableName>& tables, std::string_view session_schema) {
  if (resolved.size() != tables.size()) return false;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (resolved[i].table != tables[i].table ||
        resolved[i].schema != schema_of(tables[i], session_schema)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<const ReadTargets> resolve_read_targets(
    const CachePolicy& policy, std::string_view session_schema,
    const std::vector<cache::TableName>& tables) {
  std::vector<config::TableName> resolved;
  resolved.reserve(tables.size());
  for (const auto& table : tables) {
    std::string_view schema = table.schema.empty() ? session_schema : table.schema;
    if (schema.empty()) return nullptr;
    resolved.push_back({schema, table.table});
  }
  auto targets = std::make_shared<ReadTargets>();
  targets->decision = policy.rules.decide(resolved);
  auto& keys = targets->generation_keys;
  keys.reserve(2 + 2 * resolved.size());
  keys.push_back(cache::global_generation_key(policy.key_prefix));
  for (const auto& table : resolved) {
    auto schema_key = cache::schema_generation_key(policy.key_prefix, table.schema);
    if (std::find(keys.begin(), keys.end(), schema_key) == keys.end()) {
      keys.push_back(std::move(schema_key));
    }
  }
  for (const auto& table : resolved) {
    keys.push_back(cache::table_generation_key(policy.key_prefix, table.schema, table.table));
  }
  keys.push_back(cache::write_epoch_key(policy.key_prefix));
  targets->tables.reserve(resolved.size());
  for (const auto& table : resolved) {
    targets->tables.push_back({std::string(table.schema), std::string(table.table)});
  }
  return targets;
}

std::shared_ptr<const ReadTargets> ReadTargetMemo::resolve(
    const std::shared_ptr<const CachePolicy>& policy, std::string_view session_schema,
    const std::vector<cache::TableName>& tables) {
  if (tables.size() > kMaxTables) return resolve_read_targets(*policy, session_schema, tables);
  if (policy_ != policy) {
    entries_.clear();
    policy_ = policy;
  }
  std::size_t hash = tables.size();
  for (const auto& table : tables) {
    const std::string_view schema = schema_of(table, session_schema);
    if (schema.empty()) return nullptr;
    hash = combine(combine(hash, schema), table.table);
  }
  auto [first, last] = entries_.equal_range(hash);
  for (auto it = first; it != last; ++it) {
    if (same_tables(it->second->tables, tables, session_schema)) return it->second;
  }
  auto targets = resolve_read_targets(*policy, session_schema, tables);
  if (!targets) return nullptr;
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.emplace(hash, targets);
  return targets;
}

}  // namespace sqlcache::proxy
