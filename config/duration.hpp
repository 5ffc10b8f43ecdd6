#pragma once
// Durations as operators write them: "500ms", "30s", "10m", "1h", "1d", compounds such as
// "1h30m" (largest unit first, each unit once), "0", and a plain integer meaning seconds.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcache::config {

// Returns nullopt for anything else: negatives, fractions ("1.5s": write "1500ms"), spaces,
// unknown units, units out of order or repeated, and values that overflow milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest text parse_duration reads back as the same value: "0", "250ms", "1m30s", "1d".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace sqlcache::config
