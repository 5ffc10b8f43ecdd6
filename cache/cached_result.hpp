#pragma once
// The value stored under a cache key: a small header, the table generations the entry was
// filled under, and the exact bytes the backend sent (design decision 1). A value that fails
// any check decodes to nothing: a miss, never relayed (design decision 7).
//
//   offset 0   "SQCR"                magic
//          4   u8  format version    (kFormatVersion)
//          5   u8  flags             (bit 0: binary protocol result; other bits 0)
//          6   u16 generation count  n
//          8   u32 CRC-32C of bytes 0..7 and 12..end (everything but itself)
//         12   u64 × n generations
//   12 + 8n    the response bytes, packet headers included
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::cache {

inline constexpr std::uint8_t kFormatVersion = 1;

struct CachedResult {
  std::vector<std::uint64_t> generations;
  std::string_view response;  // views into the decoded value
  bool binary_protocol = false;
};

std::string encode_cached_result(std::span<const std::uint64_t> generations,
                                 std::string_view response, bool binary_protocol);

// BadFlags: a flag this version does not know, i.e. a value it cannot know how to replay.
enum class DecodeError { None, TooShort, BadMagic, BadVersion, BadFlags, BadChecksum, BadLength };
std::string_view to_string(DecodeError error);

// Views into `value`, which must outlive the result. `verify_checksum` false skips only the
// CRC (every structural check stays): for values this process encoded and kept in memory,
// where a hit of a large result would otherwise checksum every byte again.
DecodeError decode_cached_result(std::string_view value, CachedResult& out,
                                 bool verify_checksum = true);

// CRC-32C (Castagnoli), hardware-accelerated where the CPU has SSE 4.2.
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);

}  // namespace sqlcache::cache
