// A cached value as the store returns it (the SQCR format, cache/cached_result.hpp), and what a
// hit does with it before replaying: the status-flag patch (mysql_wire/result_status.hpp).
// A hostile or broken Redis can return any bytes, including a value whose CRC-32C it computed
// itself; decoding must reject or accept, and an accepted value must be what encoding its
// parts gives back.
// Input: [selector] [value...]
//   selector bit 0: write the correct CRC-32C into the value first (reaches past the checksum)
//            bit 1: the client negotiated CLIENT_DEPRECATE_EOF
//            bits 2-7: the session's status bits to patch in
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cached_result.hpp"
#include "fuzz_input.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/result_status.hpp"

using namespace sqlcache;

namespace {

std::uint32_t read_u32(std::string_view v, std::size_t at) {
  std::uint32_t x = 0;
  for (int i = 3; i >= 0; --i) x = (x << 8) | static_cast<unsigned char>(v[at + i]);
  return x;
}

void write_correct_crc(std::string& value) {
  if (value.size() < 12) return;
  const std::uint32_t crc =
      cache::crc32c(std::string_view(value).substr(12), cache::crc32c(value.substr(0, 8)));
  for (int i = 0; i < 4; ++i) value[8 + i] = static_cast<char>(crc >> (8 * i));
}

// What replay() does to an accepted value's response bytes.
void check_status_patch(std::string_view response, std::uint8_t selector) {
  const std::uint64_t caps = wire::cap::kProtocol41 | wire::cap::kTransactions |
                             ((selector & 2) ? wire::cap::kDeprecateEof : 0);
  const std::uint16_t mask =
      wire::status::kInTrans | wire::status::kAutocommit | wire::status::kInTransReadonly;
  const std::uint16_t value = static_cast<std::uint16_t>(selector >> 2);
  std::vector<std::uint8_t> bytes(response.begin(), response.end());
  const bool patched = wire::patch_result_status(bytes, caps, mask, value);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == static_cast<std::uint8_t>(response[i])) continue;
    ++changed;
    // Only bits of the mask (either byte of it: the field may start at any offset).
    const auto allowed = static_cast<std::uint8_t>((mask & 0xFF) | (mask >> 8));
    FUZZ_CHECK(((bytes[i] ^ static_cast<std::uint8_t>(response[i])) & ~allowed) == 0);
  }
  FUZZ_CHECK(patched || changed == 0);
  FUZZ_CHECK(changed <= 4);  // two status fields at most
  // replay() slices the shared bytes at these offsets: in range, ascending, not overlapping.
  const auto found = wire::find_result_status(wire::as_bytes(response), caps);
  FUZZ_CHECK(found.has_value() == patched);
  if (found) {
    FUZZ_CHECK(found->count >= 1 && found->count <= 2);
    FUZZ_CHECK(found->at[found->count - 1] + 2 <= response.size());
    if (found->count == 2) FUZZ_CHECK(found->at[0] + 2 <= found->at[1]);
  }
  if (patched) {
    // Patching again with the same bits changes nothing more.
    std::vector<std::uint8_t> again = bytes;
    FUZZ_CHECK(wire::patch_result_status(again, caps, mask, value));
    FUZZ_CHECK(again == bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  const std::uint8_t selector = in.byte();
  const auto rest = in.rest();
  std::string value(reinterpret_cast<const char*>(rest.data()), rest.size());
  if (selector & 1) write_correct_crc(value);

  cache::CachedResult entry;
  const cache::DecodeError error = cache::decode_cached_result(value, entry);
  FUZZ_CHECK(cache::to_string(error) != "unknown");
  if (error != cache::DecodeError::None) return 0;

  // Accepted: the parts are where the header says, and encoding them gives the value back.
  FUZZ_CHECK(value.size() >= 12 && std::memcmp(value.data(), "SQCR", 4) == 0);
  const std::size_t count = static_cast<unsigned char>(value[6]) |
                            (static_cast<std::size_t>(static_cast<unsigned char>(value[7])) << 8);
  FUZZ_CHECK(entry.generations.size() == count);
  FUZZ_CHECK(!entry.response.empty());
  FUZZ_CHECK(entry.response.data() == value.data() + 12 + 8 * count);
  FUZZ_CHECK(entry.response.data() + entry.response.size() == value.data() + value.size());
  FUZZ_CHECK(read_u32(value, 8) ==
             cache::crc32c(std::string_view(value).substr(12), cache::crc32c(value.substr(0, 8))));
  const std::string encoded =
      cache::encode_cached_result(entry.generations, entry.response, entry.binary_protocol);
  FUZZ_CHECK(encoded == value);

  check_status_patch(entry.response, selector);
  return 0;
}
