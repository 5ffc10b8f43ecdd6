#include "mysql_wire/result_status.hpp"

#include <vector>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/packet.hpp"

namespace sqlcache::wire {
namespace {

struct PacketSpan {
  std::size_t payload_offset;  // of the first chunk's payload
  std::uint32_t first_length;
};

// Offset (in `response`) of the status flags of the packet at `p`, or 0 when unknown.
std::size_t status_offset(std::span<const std::uint8_t> response, const PacketSpan& p,
                          bool ok_form) {
  ByteReader r(response.subspan(p.payload_offset, p.first_length));
  if (r.u8() != 0xFE) return 0;
  if (ok_form) {
    r.lenenc();
    r.lenenc();
  } else {
    r.u16();  // warnings come first in an EOF packet
  }
  if (!r.ok() || r.remaining() < 2) return 0;
  return p.payload_offset + r.position();
}

}  // namespace

bool patch_result_status(std::span<std::uint8_t> response, std::uint64_t capabilities,
                         std::uint16_t mask, std::uint16_t value) {
  std::vector<PacketSpan> packets;
  std::size_t pos = 0;
  bool continuation = false;
  while (pos < response.size()) {
    auto header = parse_header(response.subspan(pos));
    if (!header || response.size() - pos - kHeaderSize < header->length) return false;
    if (!continuation) packets.push_back({pos + kHeaderSize, header->length});
    continuation = header->length == kMaxChunk;
    pos += kHeaderSize + header->length;
  }
  if (packets.size() < 3 || continuation) return false;
  ByteReader count_reader(response.subspan(packets[0].payload_offset, packets[0].first_length));
  std::uint64_t columns = count_reader.lenenc();
  // Written so that a column count near 2^64 cannot wrap around (packets.size() >= 3 here).
  if (!count_reader.ok() || columns == 0 || columns > packets.size() - 2) return false;

  const bool deprecate_eof = capabilities & cap::kDeprecateEof;
  std::vector<std::size_t> offsets;
  if (!deprecate_eof) {
    std::size_t at = status_offset(response, packets[columns + 1], false);
    if (at == 0) return false;
    offsets.push_back(at);
  }
  std::size_t last = status_offset(response, packets.back(), deprecate_eof);
  if (last == 0) return false;
  offsets.push_back(last);
  for (std::size_t at : offsets) {
    std::uint16_t flags = static_cast<std::uint16_t>(response[at] | (response[at + 1] << 8));
    flags = static_cast<std::uint16_t>((flags & ~mask) | (value & mask));
    response[at] = static_cast<std::uint8_t>(flags);
    response[at + 1] = static_cast<std::uint8_t>(flags >> 8);
  }
  return true;
}

}  // namespace sqlcache::wire
