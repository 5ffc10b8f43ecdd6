#pragma once
// What the proxy knows about a client session: who, where, and in which format. The cache
// key is built from it (see cache/cache_key.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proxy/prepared_statements.hpp"

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
  // The session did something the proxy cannot follow at all (a USE inside a multi-statement):
  // no reads are served from the cache until the session is reset.
  bool caching_disabled = false;
  // The open transaction was started with BEGIN / START TRANSACTION (not implicitly, under
  // autocommit=0): its reads bypass the cache unless cache_in_transactions.
  bool explicit_transaction = false;
  // The write epoch read just before the statement that opened the current transaction
  // (unset when a statement the cache did not look up opened it).
  std::optional<std::uint64_t> transaction_epoch;
  // Unique per session; makes private cache keys private.
  std::uint64_t nonce = 0;
  // Generation keys of the tables written in the open transaction: bumped again when the
  // server's status flags say it ended (design decision 5).
  std::vector<std::string> transaction_writes;
  // The last statement was SET TRANSACTION (without SESSION or GLOBAL): its characteristics
  // are for the next transaction only, which a query of the proxy's own must not use up.
  bool one_shot_transaction_pending = false;
  // A hit was answered since the server last replaced its diagnostics area (it does for a
  // statement that reads or writes a table, or ends with warnings or an error): the server's
  // SHOW WARNINGS would show an older statement's conditions instead of the hit's (none).
  bool diagnostics_behind = false;
  PreparedStatements statements;

  bool in_transaction() const { return (status_flags & 0x0001) != 0; }
  bool autocommit() const { return (status_flags & 0x0002) != 0; }

  // What COM_RESET_CONNECTION and COM_CHANGE_USER reset on the server.
  void reset_session_variables() {
    session_variables.clear();
    private_cache = false;
    caching_disabled = false;
    statements.clear();
    transaction_writes.clear();
    one_shot_transaction_pending = false;
    diagnostics_behind = false;
  }
};

}  // namespace sqlcache::proxy
