#pragma once
// Sizes as operators write them: a plain number of bytes ("1048576") or a number with a binary
// unit: "512B", "16KiB", "64MiB", "2GiB", "1TiB". Decimal units ("64MB") are rejected rather
// than guessed, because MB means 10^6 to some readers and 2^20 to others.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcache::config {

// nullopt for anything else: negatives, fractions, spaces, "MB", lower-case "mib", overflow.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// The largest unit that divides the value exactly: 1048576 -> "1MiB", 1000 -> "1000B".
std::string format_byte_size(std::uint64_t bytes);

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;

}  // namespace sqlcache::config
