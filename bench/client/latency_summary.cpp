#include "latency_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace bench {

namespace {

double nearest_rank(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

LatencySummary summarise(std::vector<double>& samples_us, std::uint64_t errors) {
  std::sort(samples_us.begin(), samples_us.end());
  LatencySummary s;
  s.count = samples_us.size();
  s.errors = errors;
  s.p50_us = nearest_rank(samples_us, 0.50);
  s.p95_us = nearest_rank(samples_us, 0.95);
  s.p99_us = nearest_rank(samples_us, 0.99);
  s.max_us = samples_us.empty() ? 0 : samples_us.back();
  s.mean_us = samples_us.empty() ? 0
                                 : std::accumulate(samples_us.begin(), samples_us.end(), 0.0) /
                                       static_cast<double>(samples_us.size());
  return s;
}

void print_json(const LatencySummary& s, const std::string& extra) {
  std::printf(
      "{\"count\":%llu,\"errors\":%llu,\"p50_us\":%.2f,\"p95_us\":%.2f,\"p99_us\":%.2f,"
      "\"mean_us\":%.2f,\"max_us\":%.2f%s%s}\n",
      static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(s.errors), s.p50_us,
      s.p95_us, s.p99_us, s.mean_us, s.max_us, extra.empty() ? "" : ",", extra.c_str());
  std::fflush(stdout);
}

}  // namespace bench
