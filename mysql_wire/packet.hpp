#pragma once
// Packet framing: a 3-byte payload length and a 1-byte sequence id, then the payload.
// A payload of 0xFFFFFF bytes or more is split into 0xFFFFFF-byte chunks followed by a
// shorter (possibly empty) last chunk. https://mariadb.com/kb/en/0-packet/
#include <cstddef>
#include <cstdint>
#include <optional>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

inline constexpr std::size_t kHeaderSize = 4;
inline constexpr std::uint32_t kMaxChunk = 0xFFFFFF;

struct PacketHeader {
  std::uint32_t length = 0;
  std::uint8_t sequence_id = 0;
};

// The header at the start of `data`, if 4 bytes are there.
std::optional<PacketHeader> parse_header(ByteView data);
void write_header(Bytes& out, std::uint32_t length, std::uint8_t sequence_id);

// Frames a payload of any size, starting at `sequence_id`; returns the next sequence id.
std::uint8_t frame_payload(Bytes& out, ByteView payload, std::uint8_t sequence_id);
inline Bytes framed(ByteView payload, std::uint8_t sequence_id) {
  Bytes out;
  frame_payload(out, payload, sequence_id);
  return out;
}

// A logical packet found in a byte buffer: its payload joined from all its chunks.
struct LogicalPacket {
  Bytes payload;
  std::uint8_t first_sequence_id = 0;
  std::uint8_t last_sequence_id = 0;
  std::size_t wire_size = 0;  // bytes it occupied in the buffer, headers included
};

enum class FrameError { None, Incomplete, TooLarge, BadSequence };

// Extracts the first complete logical packet from `data` (headers and all chunks), or says
// why it can't: Incomplete (need more bytes), TooLarge (payload would exceed max_payload),
// BadSequence (a continuation chunk whose sequence id does not follow).
FrameError extract_packet(ByteView data, std::size_t max_payload, LogicalPacket& out);

}  // namespace sqlcache::wire
