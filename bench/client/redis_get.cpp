// Mode "redis-get": the floor of a Redis-backed hit. One connection, one GET of a value of
// --value-bytes, --count times: what a proxy that fetches one entry per hit cannot beat
// without an in-process tier.
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "latency_summary.hpp"
#include "modes.hpp"

namespace bench {

int run_redis_get(const Options& options) {
  std::string host = options.text("host", "127.0.0.1");
  int port = static_cast<int>(options.number("port", 6379));
  long value_bytes = options.number("value-bytes", 512);
  long count = options.number("count", 1000);
  long warmup = options.number("warmup", 100);
  std::string key = options.text("key", "sqlcache-bench:floor");

  redisContext* redis = redisConnect(host.c_str(), port);
  if (redis == nullptr || redis->err) {
    std::fprintf(stderr, "bench_client redis-get: connect %s:%d: %s\n", host.c_str(), port,
                 redis ? redis->errstr : "out of memory");
    if (redis) redisFree(redis);
    return 1;
  }
  std::string value(static_cast<std::size_t>(value_bytes), 'v');
  auto* set = static_cast<redisReply*>(
      redisCommand(redis, "SET %s %b EX 600", key.c_str(), value.data(), value.size()));
  if (set == nullptr) {
    std::fprintf(stderr, "bench_client redis-get: SET failed: %s\n", redis->errstr);
    redisFree(redis);
    return 1;
  }
  freeReplyObject(set);

  std::uint64_t errors = 0;
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < warmup + count; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto* reply = static_cast<redisReply*>(redisCommand(redis, "GET %s", key.c_str()));
    auto stop = std::chrono::steady_clock::now();
    if (reply == nullptr) {
      ++errors;
      break;  // the context is unusable after an I/O error
    }
    bool ok = reply->type == REDIS_REPLY_STRING && reply->len == value.size();
    freeReplyObject(reply);
    if (!ok) {
      ++errors;
      continue;
    }
    if (i >= warmup) {
      samples.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
    }
  }
  freeReplyObject(redisCommand(redis, "DEL %s", key.c_str()));
  redisFree(redis);
  print_json(summarise(samples, errors), "\"value_bytes\":" + std::to_string(value_bytes));
  return errors == 0 ? 0 : 1;
}

}  // namespace bench
