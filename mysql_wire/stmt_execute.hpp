#pragma once
// The parameters of COM_STMT_EXECUTE. https://mariadb.com/kb/en/com_stmt_execute/
//   0x17, statement id (4), flags (1), iteration count (4),
//   if params > 0: NULL bitmap ((n+7)/8), new-params-bound flag (1),
//                  if the flag is 1: n × (type (1), flags (1)),
//                  the values of the non-NULL parameters.
#include <cstdint>
#include <optional>
#include <string>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

struct ExecuteParameters {
  std::string types;      // 2 bytes per parameter: as sent now, or as bound before
  std::string key_bytes;  // types + NULL bitmap + values: equal exactly when the bound values
                          // and their types are equal
};

// `bound_types`: the types the client sent with an earlier execute (COM_STMT_EXECUTE omits
// them when they did not change). nullopt when the payload is malformed or the types are
// needed but unknown.
std::optional<ExecuteParameters> canonical_execute_parameters(ByteView payload,
                                                              std::uint16_t num_params,
                                                              std::string_view bound_types);

// The same COM_STMT_EXECUTE payload with its new-params-bound flag set and `types` inserted.
// The server remembers the types of the last execute IT saw; when the proxy answered that one
// from the cache, the next execute it forwards must carry the types again. Empty when the
// payload already has them, has no parameters, or is malformed.
Bytes with_parameter_types(ByteView payload, std::uint16_t num_params, std::string_view types);

}  // namespace sqlcache::wire
