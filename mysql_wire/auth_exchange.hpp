#pragma once
// The connection phase after the handshake response, packet by packet: what a server packet
// means and whether the client answers it. (COM_CHANGE_USER's response is the same exchange.)
// https://mariadb.com/kb/en/connection/#authentication-switch-request
#include <string_view>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

enum class AuthPacket {
  Ok,               // authenticated; the exchange is over
  Error,            // refused; the exchange is over
  Switch,           // auth switch request: another plugin, a new nonce; the client answers
  FastAuthSuccess,  // caching_sha2_password 0x01 0x03: the server's OK follows unprompted
  FullAuthRequest,  // caching_sha2_password 0x01 0x04: the client sends the password next
  MoreData,         // any other 0x01 (a public key, a plugin's challenge); the client answers
  Malformed,        // empty, or a header no server sends in this phase
};

// `plugin` is the authentication plugin in use when the packet arrives.
AuthPacket classify_server_auth_packet(ByteView payload, std::string_view plugin);

// True when the client speaks next after a server packet of this kind.
bool client_answers(AuthPacket kind);

}  // namespace sqlcache::wire
