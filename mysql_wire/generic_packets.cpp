#include "mysql_wire/generic_packets.hpp"

#include "mysql_wire/capabilities.hpp"

namespace sqlcache::wire {

std::optional<OkPacket> parse_ok(ByteView payload, std::uint64_t capabilities) {
  ByteReader r(payload);
  OkPacket ok;
  ok.header = r.u8();
  if (!r.ok() || (ok.header != kOkHeader && ok.header != kEofHeader)) return std::nullopt;
  ok.affected_rows = r.lenenc();
  ok.last_insert_id = r.lenenc();
  if (capabilities & cap::kProtocol41) {
    ok.status_flags = r.u16();
    ok.warnings = r.u16();
  } else if (capabilities & cap::kTransactions) {
    ok.status_flags = r.u16();
  }
  if (!r.ok()) return std::nullopt;
  if (capabilities & cap::kSessionTrack) {
    // The info string is optional when nothing else follows.
    if (!r.at_end()) ok.info = r.lenenc_string();
    if ((ok.status_flags & status::kSessionStateChanged) && !r.at_end()) {
      ok.session_state = r.lenenc_string();
    }
  } else if (!r.at_end()) {
    // Length-encoded here too, although the protocol pages say string<EOF>: servers store it
    // with net_store_data (net_send_ok in MariaDB and MySQL) and Connector/C reads it so.
    ok.info = r.lenenc_string();
  }
  if (!r.ok()) return std::nullopt;
  return ok;
}

std::optional<ErrPacket> parse_err(ByteView payload) {
  ByteReader r(payload);
  if (r.u8() != kErrHeader) return std::nullopt;
  ErrPacket err;
  err.error_code = r.u16();
  if (!r.ok()) return std::nullopt;
  if (!r.at_end() && r.rest()[0] == '#') {
    r.skip(1);
    err.sql_state = r.string(5);
  }
  err.message = r.eof_string();
  if (!r.ok()) return std::nullopt;
  return err;
}

std::optional<EofPacket> parse_eof(ByteView payload) {
  ByteReader r(payload);
  if (r.u8() != kEofHeader || payload.size() >= 9) return std::nullopt;
  EofPacket eof;
  if (!r.at_end()) {
    eof.warnings = r.u16();
    eof.status_flags = r.u16();
  }
  if (!r.ok()) return std::nullopt;
  return eof;
}

bool is_result_terminator(std::uint8_t first_byte, std::uint32_t first_chunk_length,
                          std::uint64_t capabilities) {
  if (first_byte != kEofHeader) return false;
  if (capabilities & cap::kDeprecateEof) return first_chunk_length < 0xFFFFFF;
  return first_chunk_length < 9;
}

std::optional<std::uint16_t> ok_status(ByteView payload, std::uint64_t capabilities) {
  ByteReader r(payload);
  r.u8();
  r.lenenc();
  r.lenenc();
  std::uint16_t flags = 0;
  if (capabilities & (cap::kProtocol41 | cap::kTransactions)) flags = r.u16();
  if (!r.ok()) return std::nullopt;
  return flags;
}

std::optional<std::uint16_t> ok_warnings(ByteView payload, std::uint64_t capabilities) {
  ByteReader r(payload);
  r.u8();
  r.lenenc();
  r.lenenc();
  std::uint16_t warnings = 0;
  if (capabilities & cap::kProtocol41) {
    r.u16();
    warnings = r.u16();
  }
  if (!r.ok()) return std::nullopt;
  return warnings;
}

std::optional<std::uint16_t> terminator_warnings(ByteView payload, std::uint64_t capabilities) {
  if (capabilities & cap::kDeprecateEof) return ok_warnings(payload, capabilities);
  auto eof = parse_eof(payload);
  if (!eof) return std::nullopt;
  return eof->warnings;
}

std::optional<std::uint16_t> terminator_status(ByteView payload, std::uint64_t capabilities) {
  if (capabilities & cap::kDeprecateEof) return ok_status(payload, capabilities);
  auto eof = parse_eof(payload);
  if (!eof) return std::nullopt;
  return eof->status_flags;
}

Bytes encode_ok(const OkPacket& ok, std::uint64_t capabilities) {
  Bytes out;
  ByteWriter w(out);
  w.u8(ok.header);
  w.lenenc(ok.affected_rows);
  w.lenenc(ok.last_insert_id);
  if (capabilities & cap::kProtocol41) {
    w.u16(ok.status_flags);
    w.u16(ok.warnings);
  } else if (capabilities & cap::kTransactions) {
    w.u16(ok.status_flags);
  }
  if (capabilities & cap::kSessionTrack) {
    if (!ok.info.empty() || (ok.status_flags & status::kSessionStateChanged)) {
      w.lenenc_string(ok.info);
    }
    if (ok.status_flags & status::kSessionStateChanged) w.lenenc_string(ok.session_state);
  } else if (!ok.info.empty()) {
    w.lenenc_string(ok.info);
  }
  return out;
}

Bytes encode_err(std::uint16_t error_code, std::string_view sql_state, std::string_view message) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kErrHeader);
  w.u16(error_code);
  if (sql_state.size() == 5) {
    w.u8('#');
    w.string(sql_state);
  }
  w.string(message);
  return out;
}

Bytes encode_eof(const EofPacket& eof) {
  Bytes out;
  ByteWriter w(out);
  w.u8(kEofHeader);
  w.u16(eof.warnings);
  w.u16(eof.status_flags);
  return out;
}

}  // namespace sqlcache::wire
