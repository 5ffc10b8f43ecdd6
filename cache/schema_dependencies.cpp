#include "cache/schema_dependencies.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "cache/sql_analysis.hpp"
#include "cache/sql_tokenizer.hpp"

namespace sqlcache::cache {

namespace {

std::string map_key(std::string_view schema, std::string_view table) {
  std::string key;
  key.reserve(schema.size() + 1 + table.size());
  key.append(schema).push_back('\0');
  key.append(table);
  return key;
}

bool is_known(const std::vector<TableName>& known, const TableName& name) {
  return std::binary_search(known.begin(), known.end(), name);
}

bool changes_child(std::string_view rule) {
  return rule == "CASCADE" || rule == "SET NULL" || rule == "SET DEFAULT";
}

using Edges = std::map<TableName, std::set<TableName>>;

// The graph the catalogs describe, before closure.
struct Graph {
  std::vector<TableName> known;          // sorted
  Edges view_bases;                      // view -> what its definition names
  std::set<TableName> hidden_views;      // views whose definition the user may not see
  Edges views_over;                      // table or view -> views naming it
  Edges changes;                         // table -> tables its writes change (FK, trigger)
  std::set<TableName> unknown_triggers;  // tables with a trigger that may write anything
  std::set<TableName> volatile_views;    // see SchemaDependencies::reads_volatile_view()
};

// Functions of who is asking: a view over them (each user sees their own rows) is cached per
// user like any other read (docs/caching.md, "Users"), so they do not make it volatile.
// CURRENT_ROLE is not one: the active role is not part of the key, and it can change between
// two sessions of one user (SET DEFAULT ROLE).
bool is_identity_function(const Token& token) {
  if (token.kind != TokenKind::Word) return false;
  for (std::string_view name : {"USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER"}) {
    if (is_keyword(token, name)) return true;
  }
  return false;
}

// A view whose rows the analyser would not cache if its definition were the statement: a
// non-deterministic function (NOW(), RAND(), a stored function), a system schema, or a text
// it cannot read. A view with only constants (no tables) is fine. The identity functions are
// replaced by a deterministic one (LOWER) before the analysis.
bool definition_is_volatile(std::string_view definition) {
  std::string text;
  std::size_t copied = 0;
  for (const Token& token : tokenize(definition)) {
    if (!is_identity_function(token)) continue;
    text.append(definition.substr(copied, token.offset - copied)).append("LOWER");
    copied = token.offset + token.text.size();
  }
  text.append(definition.substr(copied));
  const Analysis analysis = analyze(text);
  return !analysis.cacheable && analysis.reason != BypassReason::NoTables;
}

// Catalogs read as different users may show the same view or trigger with and without its
// text: the text wins.
std::map<TableName, std::string> view_definitions(std::span<const SchemaCatalog* const> catalogs) {
  std::map<TableName, std::string> out;
  for (const SchemaCatalog* catalog : catalogs) {
    for (const auto& view : catalog->views) {
      std::string& definition = out[view.name];
      if (definition.empty()) definition = view.definition;
    }
  }
  return out;
}

std::map<std::pair<TableName, std::string>, std::string> trigger_bodies(
    std::span<const SchemaCatalog* const> catalogs) {
  std::map<std::pair<TableName, std::string>, std::string> out;
  for (const SchemaCatalog* catalog : catalogs) {
    for (const auto& trigger : catalog->triggers) {
      std::string& body = out[{trigger.table, trigger.name}];
      if (body.empty()) body = trigger.body;
    }
  }
  return out;
}

Graph graph_of(std::span<const SchemaCatalog* const> catalogs) {
  Graph graph;
  for (const SchemaCatalog* catalog : catalogs) {
    graph.known.insert(graph.known.end(), catalog->tables.begin(), catalog->tables.end());
    for (const auto& view : catalog->views) graph.known.push_back(view.name);
  }
  sort_unique(graph.known);
  for (const auto& [view, definition] : view_definitions(catalogs)) {
    MentionedTables mentioned = mentioned_tables(definition, view.schema, graph.known);
    // A hidden definition is taken to be deterministic (docs/caching.md, "Views"): most are,
    // and users without SHOW VIEW would otherwise never have a read of a view cached.
    if (definition.empty() || mentioned.unreadable) {
      graph.hidden_views.insert(view);
      continue;
    }
    if (definition_is_volatile(definition)) graph.volatile_views.insert(view);
    for (auto& base : mentioned.tables) {
      if (base == view) continue;
      graph.views_over[base].insert(view);
      graph.view_bases[view].insert(std::move(base));
    }
  }
  for (const SchemaCatalog* catalog : catalogs) {
    for (const auto& key : catalog->foreign_keys) {
      if (changes_child(key.update_rule) || changes_child(key.delete_rule)) {
        graph.changes[key.parent].insert(key.child);
      }
    }
  }
  for (const auto& [trigger, body] : trigger_bodies(catalogs)) {
    const TableName& table = trigger.first;
    MentionedTables mentioned = mentioned_tables(body, table.schema, graph.known);
    // A body the user may not see may write anything, like one that calls a procedure.
    if (body.empty() || mentioned.calls_procedure || mentioned.unreadable) {
      graph.unknown_triggers.insert(table);
    }
    for (auto& other : mentioned.tables) {
      if (other != table) graph.changes[table].insert(std::move(other));
    }
  }
  // A view over a volatile view is volatile too.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [view, bases] : graph.view_bases) {
      if (graph.volatile_views.count(view) != 0) continue;
      const bool over_volatile = std::any_of(bases.begin(), bases.end(), [&](const TableName& t) {
        return graph.volatile_views.count(t) != 0;
      });
      if (over_volatile) grew = graph.volatile_views.insert(view).second;
    }
  }
  // A view whose definition is hidden may be over any table, in any schema (reporting views
  // often live in a schema of their own).
  for (const auto& view : graph.hidden_views) {
    for (const auto& table : graph.known) {
      if (table != view) graph.views_over[table].insert(view);
    }
  }
  return graph;
}

const std::set<TableName>* edges_of(const Edges& edges, const TableName& from) {
  auto it = edges.find(from);
  return it == edges.end() ? nullptr : &it->second;
}

// Everything a write to `start` changes, by breadth-first search: written tables spread to
// what their writes change; views over a changed table are changed but do not spread to their
// other base tables.
SchemaDependencies::Effect effect_of(const Graph& graph, const TableName& start) {
  SchemaDependencies::Effect effect;
  std::set<TableName> written{start};
  std::set<TableName> changed_views;
  std::vector<TableName> queue{start};
  auto write = [&](const TableName& table) {
    if (written.insert(table).second) queue.push_back(table);
  };
  while (!queue.empty()) {
    const TableName table = queue.back();
    queue.pop_back();
    if (graph.hidden_views.count(table) != 0 || graph.unknown_triggers.count(table) != 0) {
      effect.everything = true;
    }
    if (auto* bases = edges_of(graph.view_bases, table)) {
      for (const auto& base : *bases) write(base);
    }
    if (auto* targets = edges_of(graph.changes, table)) {
      for (const auto& target : *targets) write(target);
    }
    // Views over this table, and views over those views.
    std::vector<TableName> views{table};
    while (!views.empty()) {
      const TableName over = views.back();
      views.pop_back();
      if (auto* found = edges_of(graph.views_over, over)) {
        for (const auto& view : *found) {
          if (changed_views.insert(view).second) views.push_back(view);
        }
      }
    }
  }
  written.insert(changed_views.begin(), changed_views.end());
  written.erase(start);
  effect.tables.assign(written.begin(), written.end());
  return effect;
}

}  // namespace

MentionedTables mentioned_tables(std::string_view text, std::string_view schema,
                                 const std::vector<TableName>& known) {
  MentionedTables out;
  const std::vector<Token> tokens = tokenize(text);
  out.unreadable = has_error(tokens);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (is_keyword(tokens[i], "CALL")) out.calls_procedure = true;
    if (!is_identifier(tokens[i])) continue;
    const std::string name = identifier_name(tokens[i]);
    TableName unqualified{std::string(schema), name};
    if (is_known(known, unqualified)) out.tables.push_back(std::move(unqualified));
    if (i + 2 < tokens.size() && is_operator(tokens[i + 1], ".") && is_identifier(tokens[i + 2])) {
      TableName qualified{name, identifier_name(tokens[i + 2])};
      if (is_known(known, qualified)) out.tables.push_back(std::move(qualified));
    }
  }
  sort_unique(out.tables);
  return out;
}

SchemaDependencies SchemaDependencies::build(std::span<const SchemaCatalog* const> catalogs) {
  const Graph graph = graph_of(catalogs);
  std::set<TableName> sources(graph.hidden_views.begin(), graph.hidden_views.end());
  sources.insert(graph.unknown_triggers.begin(), graph.unknown_triggers.end());
  for (const Edges* edges : {&graph.view_bases, &graph.views_over, &graph.changes}) {
    for (const auto& [from, to] : *edges) sources.insert(from);
  }
  SchemaDependencies dependencies;
  for (const auto& table : graph.known) {
    dependencies.known_.insert(map_key(table.schema, table.table));
  }
  for (const auto& view : graph.volatile_views) {
    dependencies.volatile_views_.insert(map_key(view.schema, view.table));
  }
  for (const auto& table : sources) {
    Effect effect = effect_of(graph, table);
    if (effect.tables.empty() && !effect.everything) continue;
    dependencies.effects_.emplace(map_key(table.schema, table.table), std::move(effect));
  }
  return dependencies;
}

bool SchemaDependencies::knows(std::string_view schema, std::string_view table) const {
  return known_.count(map_key(schema, table)) != 0;
}

bool SchemaDependencies::reads_volatile_view(std::span<const TableName> tables) const {
  if (volatile_views_.empty()) return false;
  return std::any_of(tables.begin(), tables.end(), [&](const TableName& table) {
    return volatile_views_.count(map_key(table.schema, table.table)) != 0;
  });
}

const SchemaDependencies::Effect* SchemaDependencies::effect_of_write(
    std::string_view schema, std::string_view table) const {
  if (effects_.empty()) return nullptr;
  auto it = effects_.find(map_key(schema, table));
  return it == effects_.end() ? nullptr : &it->second;
}

}  // namespace sqlcache::cache
