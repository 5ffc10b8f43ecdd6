#pragma once
// The status flags inside a stored result set. A cached response carries the flags of the
// session that filled it (SERVER_STATUS_IN_TRANS, _AUTOCOMMIT); a hit must carry the flags of
// the session it is replayed to, or drivers that read them (autocommit and transaction
// state) are told something false. Only those bits change; every other byte stays as stored.
#include <cstdint>
#include <span>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

// Rewrites, in a complete single result set (framed packets: column count, definitions,
// [EOF], rows, terminator), the bits of `mask` in the status flags of the EOF after the
// definitions and of the terminator to those of `value`. Returns false, changing nothing,
// when the bytes are not such a result set.
bool patch_result_status(std::span<std::uint8_t> response, std::uint64_t capabilities,
                         std::uint16_t mask, std::uint16_t value);

}  // namespace sqlcache::wire
