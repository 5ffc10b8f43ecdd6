#pragma once
// Unsigned decimal integers, shared by the duration, size, port and count parsers.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sqlcache::config {

// Digits only: no sign, no spaces, no "0x"; nullopt when empty or above UINT64_MAX.
std::optional<std::uint64_t> parse_decimal(std::string_view text);

}  // namespace sqlcache::config
