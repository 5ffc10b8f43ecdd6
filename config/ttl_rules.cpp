#include "config/ttl_rules.hpp"

#include <algorithm>

namespace sqlcache::config {
namespace {

// Why a half of "db.table" is unusable, or nullptr if it is fine.
const char* name_problem(std::string_view name) {
  if (name.empty()) return "has an empty name before or after '.'";
  if (name == kAnyName) return nullptr;
  for (char c : name) {
    if (c == '*') return "uses '*' inside a name; '*' must stand alone, as in \"db.*\"";
    if (c == '`') return "uses backquotes; write names without them, as in shop.products";
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "contains whitespace";
  }
  return nullptr;
}

}  // namespace

ParseResult<TableMatch> parse_table_match(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return ParseError{"must name a table as db.table, db.* or *.table"};
  }
  if (text.find('.', dot + 1) != std::string_view::npos) {
    return ParseError{"has more than one '.'; expected db.table, db.* or *.table"};
  }
  std::string_view schema = text.substr(0, dot);
  std::string_view table = text.substr(dot + 1);
  for (std::string_view half : {schema, table}) {
    if (const char* problem = name_problem(half)) return ParseError{problem};
  }
  if (schema == kAnyName && table == kAnyName) {
    return ParseError{"\"*.*\" matches every table: set cache.default_ttl instead"};
  }
  return TableMatch{std::string(schema), std::string(table)};
}

TtlRules::TtlRules(std::vector<TtlRule> rules, std::chrono::milliseconds default_ttl,
                   bool share_across_users_by_default)
    : rules_(std::move(rules)),
      default_ttl_(default_ttl),
      share_by_default_(share_across_users_by_default) {
  // rules_ is never resized after this, so the pointers stay valid (moves keep the buffer).
  for (const TtlRule& rule : rules_) {
    if (rule.schema == kAnyName) {
      any_schema_.try_emplace(rule.table, &rule);
    } else if (rule.table == kAnyName) {
      SchemaRules& schema = by_schema_[rule.schema];
      if (schema.any_table == nullptr) schema.any_table = &rule;
    } else {
      by_schema_[rule.schema].tables.try_emplace(rule.table, &rule);
    }
  }
}

TtlRules::TtlRules(const TtlRules& other)
    : TtlRules(other.rules_, other.default_ttl_, other.share_by_default_) {}

TtlRules& TtlRules::operator=(const TtlRules& other) {
  if (this != &other) *this = TtlRules(other);
  return *this;
}

const TtlRule* TtlRules::find(std::string_view schema, std::string_view table) const {
  if (auto s = by_schema_.find(schema); s != by_schema_.end()) {
    if (auto t = s->second.tables.find(table); t != s->second.tables.end()) return t->second;
    if (s->second.any_table != nullptr) return s->second.any_table;
  }
  if (auto t = any_schema_.find(table); t != any_schema_.end()) return t->second;
  return nullptr;
}

TtlDecision TtlRules::decision_for(const TtlRule* rule) const {
  if (rule == nullptr) return TtlDecision{default_ttl_, share_by_default_, nullptr};
  return TtlDecision{rule->ttl, rule->share_across_users.value_or(share_by_default_), rule};
}

TtlDecision TtlRules::decide(std::string_view schema, std::string_view table) const {
  return decision_for(find(schema, table));
}

TtlDecision TtlRules::decide(std::span<const TableName> tables) const {
  if (tables.empty()) return decision_for(nullptr);
  TtlDecision combined = decide(tables.front().schema, tables.front().table);
  for (const TableName& name : tables.subspan(1)) {
    TtlDecision one = decide(name.schema, name.table);
    if (one.ttl < combined.ttl) {
      combined.ttl = one.ttl;
      combined.rule = one.rule;
    }
    combined.share_across_users = combined.share_across_users && one.share_across_users;
  }
  return combined;
}

std::chrono::milliseconds TtlRules::ttl_for(std::span<const TableName> tables) const {
  return decide(tables).ttl;
}

bool TtlRules::shareable_across_users(std::span<const TableName> tables) const {
  return decide(tables).share_across_users;
}

}  // namespace sqlcache::config
