#pragma once
// Where a MySQL-protocol client connects (the database directly, or a proxy in front of it),
// read from the common options --host --port --user --password --db.
#include <mysql.h>

#include <string>

#include "options.hpp"

namespace bench {

struct MysqlTarget {
  std::string host;
  unsigned port = 3306;
  std::string user;
  std::string password;
  std::string db;

  static MysqlTarget from(const Options& options);
};

// A blocking connection; nullptr after printing the error.
MYSQL* connect_blocking(const MysqlTarget& target);

// Runs one statement and reads its whole result, as an application would; returns the rows
// read, or -1 after printing the error (when `report` is set).
long run_statement(MYSQL* mysql, const std::string& sql, bool report = true);

// The statement with every "{n}" replaced by n: a literal that differs on each call makes
// every cache key new (the miss path) while the statement stays cacheable.
std::string with_counter(const std::string& sql, long n);

}  // namespace bench
