#pragma once
// The status flags inside a stored result set. A cached response carries the flags of the
// session that filled it (SERVER_STATUS_IN_TRANS, _AUTOCOMMIT); a hit must carry the flags of
// the session it is replayed to, or drivers that read them (autocommit and transaction
// state) are told something false. Only those bits change; every other byte stays as stored.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

// Where the two-byte status flags sit in a complete single result set (framed packets: column
// count, definitions, [EOF], rows, terminator): in the EOF after the definitions (classic
// protocol only) and in the terminator. Offsets are ascending.
struct ResultStatusOffsets {
  std::array<std::size_t, 2> at{};
  std::size_t count = 0;
};

// nullopt when the bytes are not such a result set. Allocates nothing: a cache hit calls it.
std::optional<ResultStatusOffsets> find_result_status(ByteView response,
                                                      std::uint64_t capabilities);

// `flags` (little-endian, as on the wire) with the bits of `mask` taken from `value`.
inline std::array<std::uint8_t, 2> merge_status(const std::uint8_t* flags, std::uint16_t mask,
                                                std::uint16_t value) {
  auto merged = static_cast<std::uint16_t>(flags[0] | (flags[1] << 8));
  merged = static_cast<std::uint16_t>((merged & ~mask) | (value & mask));
  return {static_cast<std::uint8_t>(merged), static_cast<std::uint8_t>(merged >> 8)};
}

// Rewrites, in place, the bits of `mask` in those status flags to those of `value`. Returns
// false, changing nothing, when the bytes are not such a result set.
bool patch_result_status(std::span<std::uint8_t> response, std::uint64_t capabilities,
                         std::uint16_t mask, std::uint16_t value);

}  // namespace sqlcache::wire
