#pragma once
// The schema dependencies every worker's writes follow (cache/schema_dependencies.hpp), and
// when they must be read again from the database. The catalog is read through a writing
// client's session (proxy/query_cache.cpp), as that client's user, so the tracker keeps the
// latest catalog of each user and follows their union; a user's write (or a miss naming a
// table the catalog does not know) reads it first when that user's catalog was never read, or
// was read before the last DDL through the proxy or the last such miss, and one write reads
// it again when it is older than the refresh interval. Shared by the workers.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "cache/schema_catalog.hpp"
#include "cache/schema_dependencies.hpp"

namespace sqlcache::proxy {

class DependencyTracker {
 public:
  using Clock = std::chrono::steady_clock;
  // Users whose catalogs are kept; past it the one read longest ago is forgotten.
  static constexpr std::size_t kMaxUsers = 32;
  // After a failed read, writes go on without reading again for this long.
  static constexpr std::chrono::seconds kRetryAfterFailure{10};

  struct BeforeWrite {
    // The write's session should read the catalog before the write runs.
    bool load = false;
    // What to follow otherwise (or if the read fails); nullptr: nothing read yet.
    std::shared_ptr<const cache::SchemaDependencies> current;
  };
  // `refresh`: the age after which one writer reads the catalog again; 0: only after DDL.
  BeforeWrite before_write(const std::string& user, Clock::time_point now,
                           std::chrono::milliseconds refresh);

  // Call before sending the catalog query, and pass the value to loaded().
  std::uint64_t ddl_epoch() const;
  // `user`'s catalog, read after `ddl_epoch` was taken.
  void loaded(const std::string& user, cache::SchemaCatalog catalog, std::uint64_t ddl_epoch,
              Clock::time_point now);
  void failed(Clock::time_point now);
  // The writer told to read did not (it could not at that moment): someone else may.
  void abandoned();
  // A statement that may have created, changed or dropped a table, view, trigger or foreign
  // key went through the proxy: the next write reads the catalog first.
  void note_ddl();
  // A read or a write through the proxy named these tables (an unqualified one is in
  // `session_schema`; one without any schema is left out). One the catalog does not know was
  // created since it was read (or is hidden from the users it was read as): the next write of
  // each user reads it again, once per such name. True when all are known: only
  // then may the read's result be stored, since a write would not know what else to
  // invalidate with it. False when no catalog was read yet (the reader reads one first),
  // unless reading one failed. A name stays flagged until a catalog knows it; past
  // kMaxUnknownNames flagged names, new ones wait for the periodic refresh.
  bool note_read(const std::vector<cache::TableName>& tables, std::string_view session_schema = {});
  // Whether one of the tables is a view whose rows change without writes (NOW() in its
  // definition, ...: cache::SchemaDependencies::reads_volatile_view()). Such a read is not
  // stored.
  bool reads_volatile_view(const std::vector<cache::TableName>& tables) const;
  // Names note_read() remembers at most.
  static constexpr std::size_t kMaxUnknownNames = 4096;

  std::shared_ptr<const cache::SchemaDependencies> current() const;

 private:
  struct UserCatalog {
    std::shared_ptr<const cache::SchemaCatalog> catalog;
    Clock::time_point read_at;
    std::uint64_t ddl_epoch = 0;  // what ddl_epoch() was when the read started
  };

  mutable std::mutex mutex_;
  std::shared_ptr<const cache::SchemaDependencies> current_;
  std::map<std::string, UserCatalog> catalogs_;
  std::uint64_t ddl_epoch_ = 0;
  std::uint64_t builds_ = 0;     // catalogs united so far; the newest union wins
  std::uint64_t installed_ = 0;  // the build current_ came from
  Clock::time_point loaded_at_{};
  Clock::time_point failed_at_ = Clock::time_point::min();
  bool refreshing_ = false;                   // a periodic re-read is under way
  std::set<cache::TableName> unknown_names_;  // note_read() asked for a read for these
};

}  // namespace sqlcache::proxy
