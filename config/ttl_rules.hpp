#pragma once
// How long results may be cached, per table. Rules name a table ("shop.products"), every table
// of a schema ("analytics.*") or a table name in any schema ("*.sessions"). The most specific
// rule wins: db.table > db.* > *.table > the default. A TTL of 0 means "never cache".
//
// Names match exactly, byte for byte: MySQL on Linux (lower_case_table_names=0, the default and
// what RDS uses) treats schema and table names as case-sensitive, so "Shop.Products" and
// "shop.products" are different tables.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/parse_result.hpp"

namespace sqlcache::config {

inline constexpr std::string_view kAnyName = "*";

struct TtlRule {
  std::string schema;  // kAnyName: every schema
  std::string table;   // kAnyName: every table of the schema
  std::chrono::milliseconds ttl{0};
  // Unset: cache.share_across_users decides.
  std::optional<bool> share_across_users;

  // The rule as written in the configuration: "shop.products", "analytics.*", "*.sessions".
  std::string match() const { return schema + "." + table; }
  bool operator==(const TtlRule&) const = default;
};

// The schema and table halves of a rule's "match". Accepts "db.table", "db.*" and "*.table";
// rejects "*.*" (that is default_ttl), a missing or extra '.', empty halves, whitespace,
// backquotes and '*' inside a name.
struct TableMatch {
  std::string schema;
  std::string table;
};
ParseResult<TableMatch> parse_table_match(std::string_view text);

// A table as a query names it, resolved against the session's default schema.
struct TableName {
  std::string_view schema;
  std::string_view table;
};

struct TtlDecision {
  std::chrono::milliseconds ttl{0};
  bool share_across_users = false;
  // The rule that set the TTL (for one table: the rule that matched it; for several: the one
  // that gave the smallest TTL). nullptr when the defaults decided. Points into the TtlRules.
  const TtlRule* rule = nullptr;

  bool cacheable() const { return ttl.count() > 0; }
};

class TtlRules {
 public:
  // No rules, nothing cached.
  TtlRules() = default;
  // If two rules have the same match (the loader rejects that) the first one counts.
  TtlRules(std::vector<TtlRule> rules, std::chrono::milliseconds default_ttl,
           bool share_across_users_by_default = false);

  // The index points into rules_, so a copy rebuilds it; a move keeps the vector's buffer.
  TtlRules(const TtlRules& other);
  TtlRules& operator=(const TtlRules& other);
  TtlRules(TtlRules&&) = default;
  TtlRules& operator=(TtlRules&&) = default;

  TtlDecision decide(std::string_view schema, std::string_view table) const;

  // For a query over several tables: the smallest TTL among them (0 if any table is never
  // cached), shareable across users only if every table allows it. No tables ("SELECT 1"):
  // the defaults.
  TtlDecision decide(std::span<const TableName> tables) const;
  std::chrono::milliseconds ttl_for(std::span<const TableName> tables) const;
  bool shareable_across_users(std::span<const TableName> tables) const;

  std::chrono::milliseconds default_ttl() const { return default_ttl_; }
  bool share_across_users_by_default() const { return share_by_default_; }
  const std::vector<TtlRule>& rules() const { return rules_; }

 private:
  // Lookups take string_views from the query without allocating.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  template <typename Value>
  using NameMap = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;

  struct SchemaRules {
    const TtlRule* any_table = nullptr;  // "db.*"
    NameMap<const TtlRule*> tables;      // "db.table"
  };

  const TtlRule* find(std::string_view schema, std::string_view table) const;
  TtlDecision decision_for(const TtlRule* rule) const;

  std::vector<TtlRule> rules_;
  std::chrono::milliseconds default_ttl_{0};
  bool share_by_default_ = false;
  NameMap<SchemaRules> by_schema_;
  NameMap<const TtlRule*> any_schema_;  // "*.table"
};

}  // namespace sqlcache::config
