#include "mysql_wire/result_status.hpp"

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/packet.hpp"

namespace sqlcache::wire {
namespace {

struct PacketSpan {
  std::size_t payload_offset = 0;  // of the first chunk's payload
  std::uint32_t first_length = 0;
};

// Offset (in `response`) of the status flags of the packet `p`, or 0 when unknown.
std::size_t status_offset(ByteView response, const PacketSpan& p, bool ok_form) {
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

std::optional<ResultStatusOffsets> find_result_status(ByteView response,
                                                      std::uint64_t capabilities) {
  // One walk over the packet headers, remembering only the packets needed: the column count
  // (first), the EOF after the definitions (index columns + 1) and the last.
  const bool deprecate_eof = capabilities & cap::kDeprecateEof;
  std::size_t pos = 0;
  std::size_t index = 0;  // of the logical packet starting at `pos`
  bool continuation = false;
  std::uint64_t columns = 0;
  PacketSpan definitions_eof;
  PacketSpan last;
  while (pos < response.size()) {
    auto header = parse_header(response.subspan(pos));
    if (!header || response.size() - pos - kHeaderSize < header->length) return std::nullopt;
    if (!continuation) {
      const PacketSpan packet{pos + kHeaderSize, header->length};
      if (index == 0) {
        ByteReader count_reader(response.subspan(packet.payload_offset, packet.first_length));
        columns = count_reader.lenenc();
        if (!count_reader.ok() || columns == 0) return std::nullopt;
      } else if (index - 1 == columns) {  // written so that a huge count cannot wrap
        definitions_eof = packet;
      }
      last = packet;
      ++index;
    }
    continuation = header->length == kMaxChunk;
    pos += kHeaderSize + header->length;
  }
  // At least: count, the definitions, [their EOF,] a terminator of its own.
  if (index < 3 || continuation || columns > index - 2) return std::nullopt;
  if (!deprecate_eof && columns == index - 2) return std::nullopt;  // the EOF would be the end

  ResultStatusOffsets found;
  if (!deprecate_eof) {
    std::size_t at = status_offset(response, definitions_eof, false);
    if (at == 0) return std::nullopt;
    found.at[found.count++] = at;
  }
  std::size_t at = status_offset(response, last, deprecate_eof);
  if (at == 0) return std::nullopt;
  found.at[found.count++] = at;
  return found;
}

bool patch_result_status(std::span<std::uint8_t> response, std::uint64_t capabilities,
                         std::uint16_t mask, std::uint16_t value) {
  auto found = find_result_status(response, capabilities);
  if (!found) return false;
  for (std::size_t i = 0; i < found->count; ++i) {
    const std::size_t at = found->at[i];
    auto merged = merge_status(&response[at], mask, value);
    response[at] = merged[0];
    response[at + 1] = merged[1];
  }
  return true;
}

}  // namespace sqlcache::wire
