#include "mysql_wire/packet.hpp"

#include <algorithm>

namespace sqlcache::wire {

std::optional<PacketHeader> parse_header(ByteView data) {
  if (data.size() < kHeaderSize) return std::nullopt;
  PacketHeader h;
  h.length = static_cast<std::uint32_t>(data[0]) | (static_cast<std::uint32_t>(data[1]) << 8) |
             (static_cast<std::uint32_t>(data[2]) << 16);
  h.sequence_id = data[3];
  return h;
}

void write_header(Bytes& out, std::uint32_t length, std::uint8_t sequence_id) {
  out.push_back(static_cast<std::uint8_t>(length));
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length >> 16));
  out.push_back(sequence_id);
}

std::uint8_t frame_payload(Bytes& out, ByteView payload, std::uint8_t sequence_id) {
  std::size_t offset = 0;
  while (true) {
    std::size_t chunk = std::min<std::size_t>(payload.size() - offset, kMaxChunk);
    write_header(out, static_cast<std::uint32_t>(chunk), sequence_id++);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
               payload.begin() + static_cast<std::ptrdiff_t>(offset + chunk));
    offset += chunk;
    // A full chunk is always followed by another one, empty if nothing is left.
    if (chunk < kMaxChunk) return sequence_id;
  }
}

FrameError extract_packet(ByteView data, std::size_t max_payload, LogicalPacket& out) {
  out.payload.clear();
  std::size_t pos = 0;
  bool first = true;
  while (true) {
    auto header = parse_header(data.subspan(pos));
    if (!header) return FrameError::Incomplete;
    if (first) {
      out.first_sequence_id = header->sequence_id;
    } else if (header->sequence_id != static_cast<std::uint8_t>(out.last_sequence_id + 1)) {
      return FrameError::BadSequence;
    }
    if (out.payload.size() + header->length > max_payload) return FrameError::TooLarge;
    if (data.size() - pos - kHeaderSize < header->length) return FrameError::Incomplete;
    auto chunk = data.subspan(pos + kHeaderSize, header->length);
    out.payload.insert(out.payload.end(), chunk.begin(), chunk.end());
    out.last_sequence_id = header->sequence_id;
    pos += kHeaderSize + header->length;
    first = false;
    if (header->length < kMaxChunk) {
      out.wire_size = pos;
      return FrameError::None;
    }
  }
}

}  // namespace sqlcache::wire
