#pragma once
// The cache key: everything that can change the bytes of a result, hashed.
// See "What the cache key holds" in docs/architecture.md.
#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::cache {

struct KeyContext {
  std::string_view schema;                  // the session's default schema
  std::string_view user;                    // empty when results are shared across users
  std::string_view session_state;           // SET statements the session ran (normalised)
  std::uint64_t encoding_capabilities = 0;  // capability bits that change result encoding
  std::uint8_t character_set = 0;           // collation id from the handshake
  bool binary_protocol = false;             // COM_STMT_EXECUTE (binary rows)
};

// 32 hex digits: SHA-256 over length-prefixed fields, truncated to 128 bits.
// `parameters` holds the canonical encoding of a prepared statement's bound values.
std::string derive_key(const KeyContext& context, std::string_view normalized_sql,
                       wire::ByteView parameters = {});

// entry_key(prefix, derive_key(...)) built in one string.
std::string derive_entry_key(std::string_view prefix, const KeyContext& context,
                             std::string_view normalized_sql, wire::ByteView parameters = {});

// Store keys. Generation keys never expire; every lookup reads the global one, the schema
// ones and the table ones of the tables it reads (design decision 5).
std::string entry_key(std::string_view prefix, std::string_view hash);
// What every generation key starts with (the near cache's listener tracks this prefix).
std::string generation_key_prefix(std::string_view prefix);
std::string table_generation_key(std::string_view prefix, std::string_view schema,
                                 std::string_view table);
std::string schema_generation_key(std::string_view prefix, std::string_view schema);
std::string global_generation_key(std::string_view prefix);
// Bumped by every write: lets a read inside a transaction know that nothing was written since
// its snapshot was taken.
std::string write_epoch_key(std::string_view prefix);

}  // namespace sqlcache::cache
