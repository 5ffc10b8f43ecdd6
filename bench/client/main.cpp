// bench_client: the timing client of bench/run.sh.
//
//   bench_client query     --port P --db D --query SQL [--count N --warmup N --counter-start N]
//   bench_client script    --port P --db D --file FILE
//   bench_client redis-get --port P --value-bytes N [--count N --warmup N]
//   bench_client clients   --port P --db D --query SQL --clients N [--bursts N --wait-stdin 1]
//
// Common: --host (127.0.0.1) --user/--password (sqlcache). Output: one JSON line per result.
#include <cstdio>
#include <cstring>

#include "modes.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_client query|script|redis-get|clients --name value...\n");
    return 2;
  }
  auto options = bench::Options::parse(argc, argv, 2);
  if (!options) return 2;
  const char* mode = argv[1];
  if (std::strcmp(mode, "query") == 0) return bench::run_query_latency(*options);
  if (std::strcmp(mode, "script") == 0) return bench::run_script(*options);
  if (std::strcmp(mode, "redis-get") == 0) return bench::run_redis_get(*options);
  if (std::strcmp(mode, "clients") == 0) return bench::run_many_clients(*options);
  std::fprintf(stderr, "bench_client: unknown mode '%s'\n", mode);
  return 2;
}
