#pragma once
// Why a statement went to the database without the cache: the analyser's reasons
// (cache::BypassReason) and the session's own. Labels of sqlcache_bypass_total.
#include <cstddef>
#include <string_view>

#include "cache/sql_analysis.hpp"

namespace sqlcache::proxy {

enum class SessionBypass : std::size_t {
  InTransaction = 32,   // reads inside an explicit transaction (cache.cache_in_transactions)
  TtlZero,              // a table's rule says ttl: 0
  NoDatabase,           // an unqualified table and no default schema
  StoreUnavailable,     // the store failed or its circuit breaker is open
  Cursor,               // COM_STMT_EXECUTE opening a cursor
  LongData,             // parameters sent with COM_STMT_SEND_LONG_DATA
  StatementTooLarge,    // a command of 16 MiB or more
  OwnTransactionWrite,  // reads a table the open transaction wrote
  UnknownStatement,     // COM_STMT_EXECUTE of a statement the proxy did not see prepared
  Last,
};

inline std::size_t bypass_index(cache::BypassReason reason) {
  return static_cast<std::size_t>(reason);
}
inline std::size_t bypass_index(SessionBypass reason) { return static_cast<std::size_t>(reason); }

// The metric label for an index; empty for unused indexes.
std::string_view bypass_reason_name(std::size_t index);

}  // namespace sqlcache::proxy
