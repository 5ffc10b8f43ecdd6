#include "mysql_target.hpp"

#include <cstdio>

namespace bench {

MysqlTarget MysqlTarget::from(const Options& options) {
  MysqlTarget t;
  t.host = options.text("host", "127.0.0.1");
  t.port = static_cast<unsigned>(options.number("port", 3306));
  t.user = options.text("user", "sqlcache");
  t.password = options.text("password", "sqlcache");
  t.db = options.text("db", "");
  return t;
}

MYSQL* connect_blocking(const MysqlTarget& target) {
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return nullptr;
  // TCP, like the proxy's clients: "localhost" would otherwise mean the unix socket.
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
  if (mysql_real_connect(mysql, target.host.c_str(), target.user.c_str(), target.password.c_str(),
                         target.db.empty() ? nullptr : target.db.c_str(), target.port, nullptr,
                         0) == nullptr) {
    std::fprintf(stderr, "bench_client: connect to %s:%u: %s\n", target.host.c_str(), target.port,
                 mysql_error(mysql));
    mysql_close(mysql);
    return nullptr;
  }
  return mysql;
}

long run_statement(MYSQL* mysql, const std::string& sql, bool report) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    if (report) std::fprintf(stderr, "bench_client: %s: %s\n", sql.c_str(), mysql_error(mysql));
    return -1;
  }
  MYSQL_RES* result = mysql_store_result(mysql);
  if (result == nullptr) {
    if (mysql_field_count(mysql) == 0) return 0;  // a statement without a result set
    if (report) std::fprintf(stderr, "bench_client: %s: %s\n", sql.c_str(), mysql_error(mysql));
    return -1;
  }
  long rows = static_cast<long>(mysql_num_rows(result));
  mysql_free_result(result);
  return rows;
}

std::string with_counter(const std::string& sql, long n) {
  static const std::string marker = "{n}";
  std::string out = sql;
  std::string value = std::to_string(n);
  for (auto at = out.find(marker); at != std::string::npos; at = out.find(marker, at)) {
    out.replace(at, marker.size(), value);
    at += value.size();
  }
  return out;
}

}  // namespace bench
