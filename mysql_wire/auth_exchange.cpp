#include "mysql_wire/auth_exchange.hpp"

#include "mysql_wire/caching_sha2.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/handshake.hpp"

namespace sqlcache::wire {

AuthPacket classify_server_auth_packet(ByteView payload, std::string_view plugin) {
  if (payload.empty()) return AuthPacket::Malformed;
  switch (payload[0]) {
    case kOkHeader:
      return AuthPacket::Ok;
    case kErrHeader:
      return AuthPacket::Error;
    case kAuthSwitchHeader:
      return AuthPacket::Switch;
    case kAuthMoreDataHeader:
      if (plugin == kCachingSha2Plugin && payload.size() == 2) {
        if (payload[1] == kCachingSha2FastAuthSuccess) return AuthPacket::FastAuthSuccess;
        if (payload[1] == kCachingSha2PerformFullAuth) return AuthPacket::FullAuthRequest;
      }
      return AuthPacket::MoreData;
    default:
      return AuthPacket::Malformed;
  }
}

bool client_answers(AuthPacket kind) {
  return kind == AuthPacket::Switch || kind == AuthPacket::FullAuthRequest ||
         kind == AuthPacket::MoreData;
}

}  // namespace sqlcache::wire
