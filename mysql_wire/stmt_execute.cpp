#include "mysql_wire/stmt_execute.hpp"

namespace sqlcache::wire {

std::optional<ExecuteParameters> canonical_execute_parameters(ByteView payload,
                                                              std::uint16_t num_params,
                                                              std::string_view bound_types) {
  ByteReader r(payload);
  r.skip(1 + 4 + 1 + 4);
  if (!r.ok()) return std::nullopt;
  ExecuteParameters out;
  if (num_params == 0) return out;
  std::string_view null_bitmap = r.string((num_params + 7) / 8);
  std::uint8_t new_params_bound = r.u8();
  if (!r.ok()) return std::nullopt;
  if (new_params_bound == 1) {
    out.types = std::string(r.string(2 * static_cast<std::size_t>(num_params)));
    if (!r.ok()) return std::nullopt;
  } else if (new_params_bound == 0 &&
             bound_types.size() == 2 * static_cast<std::size_t>(num_params)) {
    out.types = std::string(bound_types);
  } else {
    return std::nullopt;
  }
  std::string_view values = r.eof_string();
  out.key_bytes.reserve(out.types.size() + null_bitmap.size() + values.size());
  out.key_bytes.append(out.types).append(null_bitmap).append(values);
  return out;
}

}  // namespace sqlcache::wire
