#include "proxy/read_targets.hpp"

#include <algorithm>

#include "cache/cache_key.hpp"

namespace sqlcache::proxy {

namespace {

bool uses_session_schema(const std::vector<cache::TableName>& tables) {
  return std::any_of(tables.begin(), tables.end(),
                     [](const cache::TableName& table) { return table.schema.empty(); });
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
    const std::shared_ptr<const cache::Analysis>& analysis) {
  const auto& tables = analysis->tables_read;
  if (analysis->normalized.size() > kMaxStatementSize) {
    return resolve_read_targets(*policy, session_schema, tables);
  }
  if (policy_ != policy) {
    entries_.clear();
    policy_ = policy;
  }
  if (auto it = entries_.find(analysis.get()); it != entries_.end()) {
    const Entry& entry = it->second;
    if (!entry.uses_session_schema || entry.session_schema == session_schema) {
      return entry.targets;
    }
  }
  auto targets = resolve_read_targets(*policy, session_schema, tables);
  if (!targets) return nullptr;
  if (entries_.size() >= kMaxEntries) entries_.clear();
  Entry& entry = entries_[analysis.get()];
  entry.analysis = analysis;
  entry.uses_session_schema = uses_session_schema(tables);
  entry.session_schema = entry.uses_session_schema ? std::string(session_schema) : std::string();
  entry.targets = targets;
  return targets;
}

}  // namespace sqlcache::proxy
