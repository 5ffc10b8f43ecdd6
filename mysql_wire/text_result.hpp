#pragma once
// Reads a whole text-protocol response (COM_QUERY) into rows of strings, for the few queries
// the proxy runs itself (the schema catalog, proxy/query_cache.cpp). Client commands
// are never decoded like this: their responses are relayed byte for byte.
// https://mariadb.com/kb/en/result-set-packets/
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

struct TextResult {
  // Set when the server answered with an ERR packet (then there are no rows).
  std::optional<std::uint16_t> error_code;
  std::string error_sql_state;
  std::string error_message;
  std::size_t columns = 0;
  // One value per column; nullopt is SQL NULL.
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// `response`: the framed packets of one response, from the first header to the end of the
// result set. `capabilities`: the negotiated set (CLIENT_DEPRECATE_EOF changes the layout).
// nullopt when the bytes are not one complete text response of a single result set.
std::optional<TextResult> parse_text_result(ByteView response, std::uint64_t capabilities);

}  // namespace sqlcache::wire
