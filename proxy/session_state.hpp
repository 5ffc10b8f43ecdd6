#pragma once
// What the proxy knows about a client session: who, where, and in which format. The cache
// key is built from it (see cache/cache_key.hpp).
#include <cstdint>
#include <string>

namespace sqlcache::proxy {

struct SessionState {
  std::uint64_t capabilities = 0;   // negotiated between client and server
  std::uint32_t connection_id = 0;  // the backend's thread id
  std::string user;
  std::string schema;  // default schema
  std::uint8_t character_set = 0;
  std::uint16_t status_flags = 0;  // last OK/EOF status seen from the server
  // Normalised SET statements the session ran, in order: they may change results.
  std::string session_variables;
  // The session did something whose effect on results the proxy cannot follow (a multi-
  // statement, a SET it does not understand): its cache keys become private to it.
  bool private_cache = false;

  bool in_transaction() const { return (status_flags & 0x0001) != 0; }
  bool autocommit() const { return (status_flags & 0x0002) != 0; }

  // What COM_RESET_CONNECTION and COM_CHANGE_USER reset on the server.
  void reset_session_variables() {
    session_variables.clear();
    private_cache = false;
  }
};

}  // namespace sqlcache::proxy
