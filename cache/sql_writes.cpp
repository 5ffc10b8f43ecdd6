#include "cache/sql_writes.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "cache/sql_parser.hpp"

namespace sqlcache::cache {
namespace {

class WriteAnalyzer {
 public:
  WriteAnalyzer(std::span<const Token> tokens, Analysis& out) : p_(tokens), out_(out) {}

  void run() {
    if (p_.failed()) return unknown();  // unbalanced parentheses
    if (is_keyword(p_.peek(), "WITH")) {
      p_.with_clause();  // WITH ... UPDATE / DELETE (MySQL 8)
      if (p_.failed()) return unknown();
    }
    switch (out_.kind) {
      case StatementKind::Insert:
      case StatementKind::Replace:
        return insert();
      case StatementKind::Update:
        return update();
      case StatementKind::Delete:
        return delete_rows();
      case StatementKind::LoadData:
        return load_data();
      case StatementKind::Truncate:
        return truncate();
      case StatementKind::Alter:
        return alter();
      case StatementKind::Drop:
        return drop();
      case StatementKind::Rename:
        return rename();
      case StatementKind::Create:
        return create();
      case StatementKind::Other:
        return maintenance();
      default:
        return unknown();
    }
  }

 private:
  void unknown() { out_.writes_unknown_tables = true; }
  void add(const TableName& t) { out_.tables_written.push_back(t); }

  bool accept_any(std::initializer_list<std::string_view> words) {
    for (std::string_view w : words) {
      if (p_.accept_keyword(w)) return true;
    }
    return false;
  }
  void accept_if_exists() {
    if (is_keyword(p_.peek(), "IF")) {
      p_.advance();
      p_.accept_keyword("NOT");
      p_.expect_keyword("EXISTS");
    }
  }
  // A table name that must be there; false (and unknown writes) when it is not.
  bool name(TableName& t) {
    if (!p_.failed() && p_.table_name(t)) return true;
    unknown();
    return false;
  }
  bool add_name() {
    TableName t;
    if (!name(t)) return false;
    add(t);
    return true;
  }
  void add_name_list() {
    do {
      if (!add_name()) return;
    } while (p_.accept_operator(","));
  }
  // Moves to the first top-level occurrence of `word` within `limit` tokens; false if absent.
  bool seek_keyword(std::string_view word, std::size_t limit = static_cast<std::size_t>(-1)) {
    for (std::size_t n = 0; n < limit && !p_.at_end() && !p_.failed(); ++n) {
      if (p_.accept_keyword(word)) return true;
      if (is_operator(p_.peek(), "(")) {
        p_.skip_parenthesised();
      } else {
        p_.advance();
      }
    }
    return false;
  }
  bool ends_table_list(std::initializer_list<std::string_view> clauses) {
    if (p_.failed()) return false;
    return p_.at_end() || std::any_of(clauses.begin(), clauses.end(),
                                      [&](std::string_view w) { return is_keyword(p_.peek(), w); });
  }
  // The rest of a DML statement: values, SET lists, WHERE, subqueries. A stored function called
  // there may write any table; NEXTVAL(s) writes s.
  void scan_rest() {
    p_.expression(kStopNever);
    if (p_.failed() || !p_.at_end()) unknown();
    const ParseFacts& f = p_.facts();
    if (f.unknown_function) unknown();
    for (const TableName& seq : f.sequences_advanced) add(seq);
  }

  void insert() {
    p_.advance();  // INSERT / REPLACE
    while (accept_any({"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"})) {
    }
    p_.accept_keyword("INTO");
    if (!add_name()) return;
    scan_rest();
  }

  void update() {
    p_.advance();
    while (accept_any({"LOW_PRIORITY", "IGNORE"})) {
    }
    const std::size_t before = p_.facts().tables.size();
    p_.table_references();
    if (p_.failed() || !is_keyword(p_.peek(), "SET")) return unknown();
    // Multi-table UPDATE: every table in the list may be written (conservatively).
    const auto& tables = p_.facts().tables;
    std::for_each(tables.begin() + static_cast<std::ptrdiff_t>(before), tables.end(),
                  [&](const TableName& t) { add(t); });
    scan_rest();
  }

  // DELETE [opts] FROM t [AS a] [PARTITION (..)] WHERE ...
  // DELETE [opts] t1[.*], t2 FROM table_refs WHERE ...
  // DELETE [opts] FROM t1[.*], t2 USING table_refs WHERE ...
  void delete_rows() {
    p_.advance();
    while (accept_any({"LOW_PRIORITY", "QUICK", "IGNORE"})) {
    }
    const bool from_first = p_.accept_keyword("FROM");
    std::vector<TableName> targets;
    do {
      TableName t;
      if (!name(t)) return;
      if (is_operator(p_.peek(), ".") && is_operator(p_.peek(1), "*")) p_.advance(2);
      targets.push_back(std::move(t));
    } while (p_.accept_operator(","));

    const bool multi = from_first ? p_.accept_keyword("USING") : p_.accept_keyword("FROM");
    if (!multi) {
      if (!from_first) return unknown();
      if (p_.accept_keyword("PARTITION")) p_.skip_parenthesised();
      p_.table_alias();
      for (const TableName& t : targets) add(t);
      if (!ends_table_list({"WHERE", "ORDER", "LIMIT", "RETURNING"})) return unknown();
      return scan_rest();
    }
    const std::size_t before = p_.facts().tables.size();
    p_.table_references();
    // As for SELECT: a word we did not take as an alias must not hide more tables.
    if (p_.failed() || !ends_table_list({"WHERE"})) return unknown();
    const auto& facts = p_.facts();
    std::for_each(facts.tables.begin() + static_cast<std::ptrdiff_t>(before), facts.tables.end(),
                  [&](const TableName& t) { add(t); });
    // Targets are usually aliases of the references; a target that is not an alias is a table.
    const std::unordered_set<std::string> aliases(facts.aliases.begin(), facts.aliases.end());
    for (const TableName& t : targets) {
      if (!t.schema.empty() || aliases.count(t.table) == 0) add(t);
    }
    scan_rest();
  }

  // LOAD DATA|XML [LOW_PRIORITY|CONCURRENT] [LOCAL] INFILE 'f' [REPLACE|IGNORE] INTO TABLE t ...
  void load_data() {
    p_.advance();
    while (!p_.at_end() && !p_.failed()) {
      if (is_keyword(p_.peek(), "INTO") && is_keyword(p_.peek(1), "TABLE")) {
        p_.advance(2);
        add_name();
        return;
      }
      p_.advance();
    }
    unknown();
  }

  void truncate() {
    p_.advance();
    p_.accept_keyword("TABLE");
    add_name();
  }

  void alter() {
    p_.advance();
    while (accept_any({"ONLINE", "OFFLINE", "IGNORE"})) {
    }
    if (p_.accept_keyword("TABLE")) {
      accept_if_exists();
      if (!add_name()) return;
      // RENAME [TO|AS] u, EXCHANGE PARTITION p WITH TABLE u: those tables change too.
      while (!p_.at_end() && !p_.failed()) {
        if (is_operator(p_.peek(), "(")) {
          p_.skip_parenthesised();
        } else if (p_.accept_keyword("RENAME")) {
          if (accept_any({"COLUMN", "INDEX", "KEY", "CONSTRAINT"})) continue;
          if (!p_.accept_keyword("TO")) p_.accept_keyword("AS");
          if (!add_name()) return;
        } else if (p_.accept_keyword("TABLE")) {
          if (!add_name()) return;
        } else {
          p_.advance();
        }
      }
      return;
    }
    if (p_.accept_keyword("SEQUENCE")) {
      accept_if_exists();
      add_name();
      return;
    }
    if (accept_any({"DATABASE", "SCHEMA"})) return schema();
    // ALTER [ALGORITHM = ..] [DEFINER = ..] [SQL SECURITY ..] VIEW v
    if (seek_keyword("VIEW", 16)) {
      add_name();
      return;
    }
    unknown();
  }

  void drop() {
    p_.advance();
    if (p_.accept_keyword("TEMPORARY")) out_.temporary_table = true;
    if (accept_any({"TABLE", "TABLES", "VIEW", "SEQUENCE"})) {
      accept_if_exists();
      add_name_list();
      return;
    }
    if (accept_any({"DATABASE", "SCHEMA"})) return schema();
    if (p_.accept_keyword("INDEX")) {
      if (seek_keyword("ON")) {
        add_name();
        return;
      }
    }
    unknown();  // PROCEDURE, FUNCTION, TRIGGER, EVENT, USER, ...
  }

  // DROP/CREATE/ALTER DATABASE [IF [NOT] EXISTS] [name]: every table of a schema.
  void schema() {
    unknown();
    accept_if_exists();
    TableName t;
    if (is_identifier(p_.peek()) && p_.table_name(t) && t.schema.empty()) {
      out_.schema_written = t.table;
    }
  }

  void rename() {
    p_.advance();
    if (!accept_any({"TABLE", "TABLES"})) return unknown();  // RENAME USER
    accept_if_exists();
    do {
      if (!add_name()) return;
      if (p_.accept_keyword("WAIT")) {
        p_.advance();
      } else {
        p_.accept_keyword("NOWAIT");
      }
      if (!p_.accept_keyword("TO")) return unknown();
      if (!add_name()) return;
    } while (p_.accept_operator(","));
  }

  void create() {
    p_.advance();
    // The object keyword comes after options: OR REPLACE, TEMPORARY, UNIQUE, ALGORITHM = x,
    // DEFINER = user, SQL SECURITY x, ... The first object keyword decides.
    for (std::size_t n = 0; n < 24 && !p_.at_end(); ++n) {
      const Token& t = p_.peek();
      if (is_keyword(t, "TEMPORARY")) out_.temporary_table = true;
      if (is_keyword(t, "TABLE") || is_keyword(t, "VIEW") || is_keyword(t, "SEQUENCE")) {
        p_.advance();
        accept_if_exists();
        add_name();
        return;
      }
      if (is_keyword(t, "INDEX")) {
        if (seek_keyword("ON")) {
          add_name();
          return;
        }
        break;
      }
      if (is_keyword(t, "DATABASE") || is_keyword(t, "SCHEMA")) {
        p_.advance();
        return schema();
      }
      if (is_keyword(t, "PROCEDURE") || is_keyword(t, "FUNCTION") || is_keyword(t, "TRIGGER") ||
          is_keyword(t, "EVENT") || is_keyword(t, "USER") || is_keyword(t, "ROLE") ||
          is_operator(t, "(")) {
        break;
      }
      p_.advance();
    }
    unknown();
  }

  // OPTIMIZE / REPAIR [NO_WRITE_TO_BINLOG | LOCAL] TABLE a, b: may rebuild or fix rows.
  void maintenance() {
    if (!is_keyword(p_.peek(), "OPTIMIZE") && !is_keyword(p_.peek(), "REPAIR")) return unknown();
    p_.advance();
    accept_any({"NO_WRITE_TO_BINLOG", "LOCAL"});
    if (!accept_any({"TABLE", "TABLES"})) return unknown();
    add_name_list();
  }

  StatementParser p_;
  Analysis& out_;
};

}  // namespace

void analyze_writes(std::span<const Token> tokens, Analysis& out) {
  WriteAnalyzer(tokens, out).run();
  sort_unique(out.tables_written);
}

}  // namespace sqlcache::cache
