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

Bytes with_parameter_types(ByteView payload, std::uint16_t num_params, std::string_view types) {
  const std::size_t fixed = 1 + 4 + 1 + 4;
  const std::size_t bitmap = (static_cast<std::size_t>(num_params) + 7) / 8;
  if (num_params == 0 || types.size() != 2 * static_cast<std::size_t>(num_params) ||
      payload.size() < fixed + bitmap + 1 || payload[fixed + bitmap] != 0) {
    return {};
  }
  Bytes out;
  out.reserve(payload.size() + types.size());
  out.insert(out.end(), payload.begin(),
             payload.begin() + static_cast<std::ptrdiff_t>(fixed + bitmap));
  out.push_back(1);
  ByteWriter(out).string(types);
  out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(fixed + bitmap + 1),
             payload.end());
  return out;
}

}  // namespace sqlcache::wire
