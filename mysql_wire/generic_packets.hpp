#pragma once
// OK, ERR and EOF packets. https://mariadb.com/kb/en/ok_packet/ , /err_packet/ , /eof_packet/
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

inline constexpr std::uint8_t kOkHeader = 0x00;
inline constexpr std::uint8_t kEofHeader = 0xFE;
inline constexpr std::uint8_t kErrHeader = 0xFF;
inline constexpr std::uint8_t kLocalInfileHeader = 0xFB;

struct OkPacket {
  std::uint8_t header = kOkHeader;  // 0xFE when it ends a result set (CLIENT_DEPRECATE_EOF)
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status_flags = 0;
  std::uint16_t warnings = 0;
  std::string_view info;
  std::string_view session_state;  // raw session-state-change data, when tracked
};

struct ErrPacket {
  std::uint16_t error_code = 0;
  std::string_view sql_state;  // 5 characters, empty when the server sent none
  std::string_view message;
};

struct EofPacket {
  std::uint16_t warnings = 0;
  std::uint16_t status_flags = 0;
};

// Decoders view into `payload`, which must outlive the result. `capabilities` is the
// negotiated set (CLIENT_PROTOCOL_41 and CLIENT_SESSION_TRACK change the layout).
std::optional<OkPacket> parse_ok(ByteView payload, std::uint64_t capabilities);
std::optional<ErrPacket> parse_err(ByteView payload);
std::optional<EofPacket> parse_eof(ByteView payload);

// True when `payload` (whose first chunk has `first_chunk_length` bytes) ends a result set:
// an EOF packet, or with CLIENT_DEPRECATE_EOF an OK packet with the 0xFE header. A text row
// can also start with 0xFE (an 8-byte length), but only in a packet of 16 MiB or more.
bool is_result_terminator(std::uint8_t first_byte, std::uint32_t first_chunk_length,
                          std::uint64_t capabilities);

// Status flags of a terminator (EOF or OK-with-0xFE), or of an OK packet.
std::optional<std::uint16_t> terminator_status(ByteView payload, std::uint64_t capabilities);
std::optional<std::uint16_t> ok_status(ByteView payload, std::uint64_t capabilities);

// Warning count of a terminator or an OK packet, read like the status flags from the fixed
// part only, so a payload cut after it (the response tracker keeps 32 bytes) still has it.
// Zero without CLIENT_PROTOCOL_41, which has no warning count.
std::optional<std::uint16_t> terminator_warnings(ByteView payload, std::uint64_t capabilities);
std::optional<std::uint16_t> ok_warnings(ByteView payload, std::uint64_t capabilities);

Bytes encode_ok(const OkPacket& ok, std::uint64_t capabilities);
Bytes encode_err(std::uint16_t error_code, std::string_view sql_state, std::string_view message);
Bytes encode_eof(const EofPacket& eof);

}  // namespace sqlcache::wire
