#include "proxy/dependency_tracker.hpp"

#include <vector>

namespace sqlcache::proxy {

DependencyTracker::BeforeWrite DependencyTracker::before_write(const std::string& user,
                                                               Clock::time_point now,
                                                               std::chrono::milliseconds refresh) {
  std::lock_guard lock(mutex_);
  BeforeWrite out;
  out.current = current_;
  const bool recently_failed =
      failed_at_ != Clock::time_point::min() && now - failed_at_ < kRetryAfterFailure;
  if (recently_failed) return out;
  auto mine = catalogs_.find(user);
  if (mine == catalogs_.end() || mine->second.ddl_epoch != ddl_epoch_) {
    // Every such writer reads for itself: the write must not run on what may be out of date.
    out.load = true;
  } else if (refresh.count() > 0 && now - loaded_at_ >= refresh && !refreshing_) {
    // One writer re-reads; the others go on with what there is.
    refreshing_ = true;
    out.load = true;
  }
  return out;
}

std::uint64_t DependencyTracker::ddl_epoch() const {
  std::lock_guard lock(mutex_);
  return ddl_epoch_;
}

void DependencyTracker::loaded(const std::string& user, cache::SchemaCatalog catalog,
                               std::uint64_t ddl_epoch, Clock::time_point now) {
  std::vector<std::shared_ptr<const cache::SchemaCatalog>> catalogs;
  std::uint64_t build = 0;
  {
    std::lock_guard lock(mutex_);
    refreshing_ = false;
    failed_at_ = Clock::time_point::min();
    auto existing = catalogs_.find(user);
    if (existing != catalogs_.end() && existing->second.ddl_epoch > ddl_epoch) {
      // A read that started before a newer one of the same user finished: it may predate DDL
      // the newer one saw.
      return;
    }
    catalogs_[user] = {std::make_shared<const cache::SchemaCatalog>(std::move(catalog)), now,
                       ddl_epoch};
    if (catalogs_.size() > kMaxUsers) {
      auto oldest = catalogs_.begin();
      for (auto it = catalogs_.begin(); it != catalogs_.end(); ++it) {
        if (it->second.read_at < oldest->second.read_at) oldest = it;
      }
      catalogs_.erase(oldest);
    }
    for (const auto& [name, entry] : catalogs_) catalogs.push_back(entry.catalog);
    build = ++builds_;
    loaded_at_ = now;
  }
  // Built outside the lock: other workers' writes go on meanwhile.
  std::vector<const cache::SchemaCatalog*> views;
  for (const auto& catalog_ptr : catalogs) views.push_back(catalog_ptr.get());
  auto dependencies =
      std::make_shared<const cache::SchemaDependencies>(cache::SchemaDependencies::build(views));
  std::lock_guard lock(mutex_);
  if (build > installed_) {
    installed_ = build;
    // Names the catalog now knows may be flagged again if they disappear.
    std::erase_if(unknown_names_, [&](const cache::TableName& name) {
      return dependencies->knows(name.schema, name.table);
    });
    current_ = std::move(dependencies);
  }
}

void DependencyTracker::failed(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  failed_at_ = now;
  refreshing_ = false;
}

void DependencyTracker::abandoned() {
  std::lock_guard lock(mutex_);
  refreshing_ = false;
}

void DependencyTracker::note_ddl() {
  std::lock_guard lock(mutex_);
  ++ddl_epoch_;
}

bool DependencyTracker::note_read(const std::vector<cache::TableName>& tables,
                                  std::string_view session_schema) {
  std::lock_guard lock(mutex_);
  // Nothing read yet: the reader reads the catalog first, so that a view's definition is
  // known before its rows are stored (reads_volatile_view()). If reading it failed, results
  // are stored without it, as writes then invalidate everything.
  if (!current_) return failed_at_ != Clock::time_point::min();
  bool all_known = true;
  for (const auto& table : tables) {
    const std::string_view schema = table.schema.empty() ? session_schema : table.schema;
    if (schema.empty() || current_->knows(schema, table.table)) continue;
    all_known = false;
    if (unknown_names_.size() < kMaxUnknownNames &&
        unknown_names_.insert({std::string(schema), table.table}).second) {
      ++ddl_epoch_;
    }
  }
  return all_known;
}

bool DependencyTracker::reads_volatile_view(const std::vector<cache::TableName>& tables) const {
  std::lock_guard lock(mutex_);
  return current_ != nullptr && current_->reads_volatile_view(tables);
}

std::shared_ptr<const cache::SchemaDependencies> DependencyTracker::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace sqlcache::proxy
