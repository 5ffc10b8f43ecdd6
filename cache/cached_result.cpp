#include "cache/cached_result.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sqlcache::cache {
namespace {

constexpr char kMagic[4] = {'S', 'Q', 'C', 'R'};
constexpr std::size_t kHeaderSize = 12;
constexpr std::uint8_t kFlagBinaryProtocol = 1;

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}

std::uint32_t crc32c_portable(const unsigned char* p, std::size_t n, std::uint32_t crc) {
  static const auto table = make_crc_table();
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p, std::size_t n,
                                                             std::uint32_t crc) {
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  std::uint32_t c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
#endif

void put_u16(std::string& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<char>(v);
  out[at + 1] = static_cast<char>(v >> 8);
}
void put_u32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}
std::uint64_t get_u(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

// The checksum covers everything but its own field: the header too, so a damaged generation
// count cannot shift generation bytes into the response.
std::uint32_t checksum(std::string_view value) {
  return crc32c(value.substr(kHeaderSize), crc32c(value.substr(0, 8)));
}

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  crc = ~crc;
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  crc = hardware ? crc32c_sse42(p, data.size(), crc) : crc32c_portable(p, data.size(), crc);
#else
  crc = crc32c_portable(p, data.size(), crc);
#endif
  return ~crc;
}

std::string encode_cached_result(std::span<const std::uint64_t> generations,
                                 std::string_view response, bool binary_protocol) {
  std::string out(kHeaderSize + 8 * generations.size(), '\0');
  out.reserve(out.size() + response.size());
  std::memcpy(out.data(), kMagic, 4);
  out[4] = static_cast<char>(kFormatVersion);
  out[5] = static_cast<char>(binary_protocol ? kFlagBinaryProtocol : 0);
  put_u16(out, 6, static_cast<std::uint16_t>(generations.size()));
  for (std::size_t i = 0; i < generations.size(); ++i) {
    for (int b = 0; b < 8; ++b) {
      out[kHeaderSize + 8 * i + b] = static_cast<char>(generations[i] >> (8 * b));
    }
  }
  out.append(response);
  put_u32(out, 8, checksum(out));
  return out;
}

DecodeError decode_cached_result(std::string_view value, CachedResult& out, bool verify_checksum) {
  if (value.size() < kHeaderSize) return DecodeError::TooShort;
  if (std::memcmp(value.data(), kMagic, 4) != 0) return DecodeError::BadMagic;
  if (static_cast<std::uint8_t>(value[4]) != kFormatVersion) return DecodeError::BadVersion;
  if ((static_cast<std::uint8_t>(value[5]) & ~kFlagBinaryProtocol) != 0) {
    return DecodeError::BadFlags;
  }
  std::size_t count = get_u(value, 6, 2);
  if (value.size() < kHeaderSize + 8 * count) return DecodeError::BadLength;
  if (verify_checksum && checksum(value) != get_u(value, 8, 4)) return DecodeError::BadChecksum;
  out.binary_protocol = (value[5] & kFlagBinaryProtocol) != 0;
  out.generations.resize(count);
  for (std::size_t i = 0; i < count; ++i) out.generations[i] = get_u(value, kHeaderSize + 8 * i, 8);
  out.response = value.substr(kHeaderSize + 8 * count);
  if (out.response.empty()) return DecodeError::BadLength;
  return DecodeError::None;
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::None:
      return "none";
    case DecodeError::TooShort:
      return "too_short";
    case DecodeError::BadMagic:
      return "bad_magic";
    case DecodeError::BadVersion:
      return "bad_version";
    case DecodeError::BadFlags:
      return "bad_flags";
    case DecodeError::BadChecksum:
      return "bad_checksum";
    case DecodeError::BadLength:
      return "bad_length";
  }
  return "unknown";
}

}  // namespace sqlcache::cache
