// COM_STMT_EXECUTE parameters (mysql_wire/stmt_execute.hpp): the part of the cache key a
// prepared statement's execution adds, and the rewrite that puts the parameter types back into
// an execute the proxy forwards after answering an earlier one from the cache.
// Input: [num_params, u16 little-endian] [bound types selector] [COM_STMT_EXECUTE payload...]
//   bound types selector 0: none were bound before; otherwise 2 × num_params bytes made from it
//   (only for num_params <= 4096, to keep each run cheap).
#include <string>

#include "fuzz_input.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/stmt_execute.hpp"

using namespace sqlcache::wire;

namespace {

constexpr std::size_t kFixed = 1 + 4 + 1 + 4;  // command, statement id, flags, iterations

void check_same(const ExecuteParameters& a, const ExecuteParameters& b) {
  FUZZ_CHECK(a.types == b.types);
  FUZZ_CHECK(a.key_bytes == b.key_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const std::uint16_t num_params = static_cast<std::uint16_t>(in.byte() | (in.byte() << 8));
  const std::uint8_t types_selector = in.byte();
  const ByteView payload = in.rest();
  std::string bound_types;
  if (types_selector != 0 && num_params <= 4096) {
    for (std::uint16_t i = 0; i < num_params; ++i) {
      bound_types.push_back(static_cast<char>(types_selector + i));         // type
      bound_types.push_back(static_cast<char>((types_selector & 1) << 7));  // unsigned flag
    }
  }
  const std::size_t bitmap = (static_cast<std::size_t>(num_params) + 7) / 8;

  if (auto header = parse_stmt_execute_header(payload)) FUZZ_CHECK(payload.size() >= kFixed);

  const auto parameters = canonical_execute_parameters(payload, num_params, bound_types);
  if (parameters) {
    FUZZ_CHECK(payload.size() >= kFixed);
    if (num_params == 0) {
      FUZZ_CHECK(parameters->types.empty() && parameters->key_bytes.empty());
    } else {
      FUZZ_CHECK(parameters->types.size() == 2u * num_params);
      // The key holds the types, the NULL bitmap and every byte of the values.
      FUZZ_CHECK(parameters->key_bytes.compare(0, parameters->types.size(), parameters->types) ==
                 0);
      const bool sent_types = payload[kFixed + bitmap] == 1;
      const std::size_t values =
          payload.size() - kFixed - bitmap - 1 - (sent_types ? parameters->types.size() : 0);
      FUZZ_CHECK(parameters->key_bytes.size() == parameters->types.size() + bitmap + values);
      if (!sent_types) FUZZ_CHECK(parameters->types == bound_types);
    }
  }

  // Putting the bound types back: the server sees the same parameters, and the key is unchanged.
  const Bytes with_types = with_parameter_types(payload, num_params, bound_types);
  if (with_types.empty()) {
    // Only when there is nothing to add: no parameters, types already sent, or unusable input.
    FUZZ_CHECK(!parameters || num_params == 0 || payload[kFixed + bitmap] == 1);
    return 0;
  }
  FUZZ_CHECK(parameters.has_value());
  FUZZ_CHECK(with_types.size() == payload.size() + bound_types.size());
  FUZZ_CHECK(std::equal(payload.begin(), payload.begin() + kFixed + bitmap, with_types.begin()));
  FUZZ_CHECK(with_types[kFixed + bitmap] == 1);
  const auto again = canonical_execute_parameters(with_types, num_params, {});
  FUZZ_CHECK(again.has_value());
  check_same(*parameters, *again);
  // Sent types win over remembered ones.
  const auto ignored = canonical_execute_parameters(with_types, num_params, "xx");
  FUZZ_CHECK(ignored.has_value());
  check_same(*parameters, *ignored);
  FUZZ_CHECK(with_parameter_types(with_types, num_params, bound_types).empty());
  return 0;
}
