#pragma once
// The modes of bench_client; each returns the process exit code and prints one JSON line.
#include "options.hpp"

namespace bench {

int run_query_latency(const Options& options);  // "query"
int run_script(const Options& options);         // "script"
int run_redis_get(const Options& options);      // "redis-get"
int run_many_clients(const Options& options);   // "clients"

}  // namespace bench
