#include "proxy/metrics.hpp"

namespace sqlcache::proxy {

void LatencyHistogram::observe(std::uint64_t nanoseconds) {
  double seconds = static_cast<double>(nanoseconds) / 1e9;
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets[i]++;
  count++;
  sum_nanoseconds.fetch_add(nanoseconds, std::memory_order_relaxed);
}

Metrics& global_metrics() {
  static Metrics metrics;
  return metrics;
}

}  // namespace sqlcache::proxy
