#include "mysql_wire/handshake.hpp"

#include <algorithm>

#include "mysql_wire/capabilities.hpp"

namespace sqlcache::wire {

std::optional<InitialHandshake> parse_initial_handshake(ByteView payload) {
  ByteReader r(payload);
  InitialHandshake h;
  h.protocol_version = r.u8();
  if (!r.ok() || h.protocol_version != 10) return std::nullopt;
  h.server_version = std::string(r.null_string());
  h.connection_id = r.u32();
  h.auth_plugin_data = std::string(r.string(8));
  r.skip(1);  // filler
  h.capabilities = r.u16();
  if (!r.ok()) return std::nullopt;
  if (r.at_end()) return h;  // pre-4.1 servers stop here
  h.character_set = r.u8();
  h.status_flags = r.u16();
  h.capabilities |= static_cast<std::uint64_t>(r.u16()) << 16;
  std::uint8_t auth_data_length = r.u8();
  r.skip(6);
  std::uint32_t extended = r.u32();
  if (!(h.capabilities & cap::kLongPassword)) {
    h.capabilities |= static_cast<std::uint64_t>(extended) << 32;
  }
  if (h.capabilities & cap::kSecureConnection) {
    std::size_t part2 = std::max<int>(13, static_cast<int>(auth_data_length) - 8);
    auto data = r.string(std::min(part2, r.remaining()));
    // The last byte of part 2 is a NUL terminator, not scramble.
    if (!data.empty() && data.back() == '\0') data.remove_suffix(1);
    h.auth_plugin_data += data;
  }
  if (h.capabilities & cap::kPluginAuth) {
    auto rest = r.eof_string();
    // Some servers omit the terminating NUL.
    h.auth_plugin_name = std::string(rest.substr(0, rest.find('\0')));
  }
  if (!r.ok()) return std::nullopt;
  return h;
}

Bytes encode_initial_handshake(const InitialHandshake& h) {
  Bytes out;
  ByteWriter w(out);
  w.u8(h.protocol_version);
  w.null_string(h.server_version);
  w.u32(h.connection_id);
  std::string scramble = h.auth_plugin_data;
  scramble.resize(std::max<std::size_t>(scramble.size(), 8), '\0');
  w.string(std::string_view(scramble).substr(0, 8));
  w.u8(0);
  w.u16(static_cast<std::uint16_t>(h.capabilities));
  w.u8(h.character_set);
  w.u16(h.status_flags);
  w.u16(static_cast<std::uint16_t>(h.capabilities >> 16));
  w.u8((h.capabilities & cap::kPluginAuth) ? static_cast<std::uint8_t>(scramble.size() + 1) : 0);
  w.zeros(6);
  if (h.capabilities & cap::kLongPassword) {
    w.zeros(4);
  } else {
    w.u32(static_cast<std::uint32_t>(h.capabilities >> 32));
  }
  if (h.capabilities & cap::kSecureConnection) {
    std::string part2 = scramble.substr(8);
    part2.resize(std::max<std::size_t>(part2.size(), 12), '\0');
    w.null_string(part2);
  }
  if (h.capabilities & cap::kPluginAuth) w.null_string(h.auth_plugin_name);
  return out;
}

bool is_ssl_request(ByteView payload) {
  if (payload.size() != kSslRequestSize) return false;
  ByteReader r(payload);
  return (r.u32() & cap::kSsl) != 0;
}

std::optional<HandshakeResponse> parse_handshake_response(ByteView payload) {
  ByteReader r(payload);
  HandshakeResponse h;
  h.capabilities = r.u32();
  if (!r.ok() || !(h.capabilities & cap::kProtocol41)) return std::nullopt;
  h.max_packet_size = r.u32();
  h.character_set = r.u8();
  r.skip(19);
  std::uint32_t extended = r.u32();
  if (!(h.capabilities & cap::kLongPassword)) {
    h.capabilities |= static_cast<std::uint64_t>(extended) << 32;
  }
  h.username = std::string(r.null_string());
  if (!r.ok()) return std::nullopt;
  if (h.capabilities & cap::kPluginAuthLenencClientData) {
    h.auth_response = std::string(r.lenenc_string());
  } else if (h.capabilities & cap::kSecureConnection) {
    h.auth_response = std::string(r.string(r.u8()));
  } else {
    h.auth_response = std::string(r.null_string());
  }
  if ((h.capabilities & cap::kConnectWithDb) && !r.at_end()) {
    h.database = std::string(r.null_string());
  }
  if ((h.capabilities & cap::kPluginAuth) && !r.at_end()) {
    h.auth_plugin_name = std::string(r.null_string());
  }
  if ((h.capabilities & cap::kConnectAttrs) && !r.at_end()) {
    std::uint64_t length = r.lenenc();
    if (length > r.remaining()) return std::nullopt;
    h.connect_attributes = std::string(r.string(static_cast<std::size_t>(length)));
  }
  if (!r.ok()) return std::nullopt;
  return h;
}

Bytes encode_handshake_response(const HandshakeResponse& h) {
  Bytes out;
  ByteWriter w(out);
  w.u32(static_cast<std::uint32_t>(h.capabilities));
  w.u32(h.max_packet_size);
  w.u8(h.character_set);
  w.zeros(19);
  w.u32((h.capabilities & cap::kLongPassword) ? 0
                                              : static_cast<std::uint32_t>(h.capabilities >> 32));
  w.null_string(h.username);
  if (h.capabilities & cap::kPluginAuthLenencClientData) {
    w.lenenc_string(h.auth_response);
  } else if (h.capabilities & cap::kSecureConnection) {
    w.u8(static_cast<std::uint8_t>(h.auth_response.size()));
    w.string(h.auth_response);
  } else {
    w.null_string(h.auth_response);
  }
  if (h.capabilities & cap::kConnectWithDb) w.null_string(h.database);
  if (h.capabilities & cap::kPluginAuth) w.null_string(h.auth_plugin_name);
  if (h.capabilities & cap::kConnectAttrs) w.lenenc_string(h.connect_attributes);
  return out;
}

bool patch_response_capabilities(Bytes& payload, std::uint64_t capabilities) {
  if (payload.size() < kSslRequestSize) return false;
  for (int i = 0; i < 4; ++i) payload[i] = static_cast<std::uint8_t>(capabilities >> (8 * i));
  // Bytes 28..31 carry MariaDB's extended capabilities unless CLIENT_MYSQL is set.
  std::uint32_t extended =
      (capabilities & cap::kLongPassword) ? 0 : static_cast<std::uint32_t>(capabilities >> 32);
  for (int i = 0; i < 4; ++i) payload[28 + i] = static_cast<std::uint8_t>(extended >> (8 * i));
  return true;
}

std::optional<AuthSwitchRequest> parse_auth_switch(ByteView payload) {
  ByteReader r(payload);
  if (r.u8() != kAuthSwitchHeader) return std::nullopt;
  AuthSwitchRequest s;
  s.plugin_name = std::string(r.null_string());
  s.plugin_data = std::string(r.eof_string());
  if (!r.ok()) return std::nullopt;
  return s;
}

Bytes encode_auth_switch(const AuthSwitchRequest& s) {
  Bytes out;
  // Reserving up front also avoids a GCC 12 -Warray-bounds false positive in vector::insert.
  out.reserve(2 + s.plugin_name.size() + s.plugin_data.size());
  ByteWriter w(out);
  w.u8(kAuthSwitchHeader);
  w.null_string(s.plugin_name);
  w.string(s.plugin_data);
  return out;
}

}  // namespace sqlcache::wire
