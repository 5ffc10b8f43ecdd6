// Mode "query": one connection, the same statement --count times, the latency of each call
// from sending it to having read its last row (what an application waits for).
#include <chrono>
#include <cstdio>
#include <vector>

#include "latency_summary.hpp"
#include "modes.hpp"
#include "mysql_target.hpp"

namespace bench {

int run_query_latency(const Options& options) {
  MysqlTarget target = MysqlTarget::from(options);
  std::string sql = options.text("query");
  long count = options.number("count", 1000);
  long warmup = options.number("warmup", 100);
  long counter = options.number("counter-start", 0);
  if (sql.empty() || count <= 0) {
    std::fprintf(stderr, "bench_client query: --query and a positive --count are required\n");
    return 2;
  }
  MYSQL* mysql = connect_blocking(target);
  if (mysql == nullptr) return 1;

  long rows = 0;
  std::uint64_t errors = 0;
  for (long i = 0; i < warmup; ++i) {
    if (run_statement(mysql, with_counter(sql, counter++)) < 0) ++errors;
  }
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i) {
    std::string statement = with_counter(sql, counter++);  // outside the timed part
    auto start = std::chrono::steady_clock::now();
    long got = run_statement(mysql, statement, errors < 5);
    auto stop = std::chrono::steady_clock::now();
    if (got < 0) {
      ++errors;
      if (mysql_errno(mysql) >= 2000) break;  // a client-side error: the connection is gone
      continue;
    }
    rows = got;
    samples.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
  }
  mysql_close(mysql);
  LatencySummary summary = summarise(samples, errors);
  print_json(summary, "\"rows\":" + std::to_string(rows));
  return errors == 0 ? 0 : 1;
}

// Mode "script": every line of --file once, in order, on one connection (cache warm-up).
int run_script(const Options& options) {
  MysqlTarget target = MysqlTarget::from(options);
  std::FILE* file = std::fopen(options.text("file").c_str(), "r");
  if (file == nullptr) {
    std::fprintf(stderr, "bench_client script: cannot open --file '%s'\n",
                 options.text("file").c_str());
    return 2;
  }
  MYSQL* mysql = connect_blocking(target);
  if (mysql == nullptr) {
    std::fclose(file);
    return 1;
  }
  std::vector<double> samples;
  std::uint64_t errors = 0;
  char* line = nullptr;
  std::size_t capacity = 0;
  ssize_t length;
  while ((length = getline(&line, &capacity, file)) > 0) {
    std::string sql(line, static_cast<std::size_t>(length));
    while (!sql.empty() && (sql.back() == '\n' || sql.back() == '\r')) sql.pop_back();
    if (sql.empty()) continue;
    auto start = std::chrono::steady_clock::now();
    if (run_statement(mysql, sql, errors < 5) < 0) {
      ++errors;
      continue;
    }
    samples.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::free(line);
  std::fclose(file);
  mysql_close(mysql);
  print_json(summarise(samples, errors));
  return errors == 0 ? 0 : 1;
}

}  // namespace bench
