#pragma once
// Latency samples in, one JSON line out: the harness (bench/lib) reads these lines, so every
// mode reports the same fields.
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  double p50_us = 0;
  double p95_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  double max_us = 0;
};

// Nearest-rank percentiles over the samples (microseconds); sorts them.
LatencySummary summarise(std::vector<double>& samples_us, std::uint64_t errors);

// {"count":..,"errors":..,"p50_us":..,...} plus `extra` (already JSON, e.g. "\"rows\":8"),
// on one line of stdout, flushed.
void print_json(const LatencySummary& summary, const std::string& extra = "");

}  // namespace bench
