#pragma once
// Counters of one RedisStore, read by the metrics exporter from any thread.
#include <atomic>
#include <cstdint>

namespace sqlcache::cache {

struct StoreStats {
  // Calls that went to the network and failed, whatever the cause (timeouts included).
  std::atomic<std::uint64_t> errors{0};
  // Calls with no complete reply within command_timeout.
  std::atomic<std::uint64_t> timeouts{0};
  // Connection attempts made after a connection had been lost (or had failed to open).
  std::atomic<std::uint64_t> reconnects{0};
  // Calls refused at once because the circuit breaker was open.
  std::atomic<std::uint64_t> rejected{0};
  // Successful round trips and their summed latency (call to last reply), for the mean.
  std::atomic<std::uint64_t> round_trips{0};
  std::atomic<std::uint64_t> round_trip_micros{0};
};

}  // namespace sqlcache::cache
