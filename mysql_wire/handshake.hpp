#pragma once
// Connection phase messages. https://mariadb.com/kb/en/connection/
#include <cstdint>
#include <optional>
#include <string>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

// Initial handshake packet (protocol version 10), server to client.
struct InitialHandshake {
  std::uint8_t protocol_version = 10;
  std::string server_version;
  std::uint32_t connection_id = 0;
  std::string auth_plugin_data;    // scramble: part 1 (8 bytes) + part 2
  std::uint64_t capabilities = 0;  // bits 32..63: MariaDB extended capabilities
  std::uint8_t character_set = 0;
  std::uint16_t status_flags = 0;
  std::string auth_plugin_name;
};

std::optional<InitialHandshake> parse_initial_handshake(ByteView payload);
Bytes encode_initial_handshake(const InitialHandshake& h);

// Handshake response (protocol 4.1), client to server; an SSL request is its first 32 bytes.
struct HandshakeResponse {
  std::uint64_t capabilities = 0;  // bits 32..63: MariaDB extended capabilities
  std::uint32_t max_packet_size = 0;
  std::uint8_t character_set = 0;
  std::string username;
  std::string auth_response;
  std::string database;  // with CLIENT_CONNECT_WITH_DB
  std::string auth_plugin_name;
  std::string connect_attributes;  // raw, with CLIENT_CONNECT_ATTRS
};

inline constexpr std::size_t kSslRequestSize = 32;

std::optional<HandshakeResponse> parse_handshake_response(ByteView payload);
Bytes encode_handshake_response(const HandshakeResponse& r);
bool is_ssl_request(ByteView payload);

// Rewrites the capability fields of a handshake response (or SSL request) in place; the
// rest of the packet is left byte for byte. Returns false when the payload is too short.
bool patch_response_capabilities(Bytes& payload, std::uint64_t capabilities);

// Auth switch request (0xFE), server to client.
// https://mariadb.com/kb/en/connection/#authentication-switch-request
struct AuthSwitchRequest {
  std::string plugin_name;
  std::string plugin_data;
};
std::optional<AuthSwitchRequest> parse_auth_switch(ByteView payload);
Bytes encode_auth_switch(const AuthSwitchRequest& s);

inline constexpr std::uint8_t kAuthMoreDataHeader = 0x01;
inline constexpr std::uint8_t kAuthSwitchHeader = 0xFE;
// caching_sha2_password: "fast auth succeeded" — the server sends OK next, unprompted.
inline constexpr std::uint8_t kCachingSha2FastAuthSuccess = 0x03;
inline constexpr std::uint8_t kCachingSha2PerformFullAuth = 0x04;

}  // namespace sqlcache::wire
