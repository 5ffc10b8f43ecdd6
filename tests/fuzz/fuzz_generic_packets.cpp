// OK, ERR, EOF, length-encoded values, and the command-phase parsers the proxy runs on
// client bytes (prepare OK, execute header and parameters, change user).
// Input: [capability selector] [payload...]
#include <algorithm>

#include "fuzz_input.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/stmt_execute.hpp"

using namespace sqlcache::wire;

namespace {

std::uint64_t capabilities_from(std::uint8_t selector) {
  std::uint64_t caps = cap::kSecureConnection | cap::kPluginAuth;
  if (selector & 1) caps |= cap::kProtocol41;
  if (selector & 2) caps |= cap::kTransactions;
  if (selector & 4) caps |= cap::kSessionTrack;
  if (selector & 8) caps |= cap::kDeprecateEof;
  return caps;
}

void check_ok(ByteView payload, std::uint64_t caps) {
  ok_status(payload, caps);
  ok_warnings(payload, caps);
  auto ok = parse_ok(payload, caps);
  if (!ok) return;
  // The status and warnings read from the fixed part agree with the full parse.
  FUZZ_CHECK(ok_status(payload, caps) == ok->status_flags);
  FUZZ_CHECK(ok_warnings(payload, caps) == ok->warnings);
  const Bytes encoded = encode_ok(*ok, caps);
  auto again = parse_ok(encoded, caps);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->header == ok->header);
  FUZZ_CHECK(again->affected_rows == ok->affected_rows);
  FUZZ_CHECK(again->last_insert_id == ok->last_insert_id);
  FUZZ_CHECK(again->status_flags == ok->status_flags);
  FUZZ_CHECK(again->warnings == ok->warnings);
  FUZZ_CHECK(again->info == ok->info);
  FUZZ_CHECK(again->session_state == ok->session_state);
}

void check_err(ByteView payload) {
  auto err = parse_err(payload);
  if (!err) return;
  FUZZ_CHECK(err->sql_state.empty() || err->sql_state.size() == 5);
  const Bytes encoded = encode_err(err->error_code, err->sql_state, err->message);
  FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), payload.begin(), payload.end()));
}

void check_eof(ByteView payload, std::uint64_t caps) {
  auto eof = parse_eof(payload);
  if (!payload.empty()) {
    const bool terminator =
        is_result_terminator(payload[0], static_cast<std::uint32_t>(payload.size()), caps);
    if (terminator) {
      terminator_status(payload, caps);
      terminator_warnings(payload, caps);
    }
  }
  if (!eof) return;
  auto again = parse_eof(encode_eof(*eof));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->warnings == eof->warnings && again->status_flags == eof->status_flags);
}

void check_lenenc(ByteView payload) {
  ByteReader r(payload);
  while (!r.at_end()) {
    const std::size_t before = r.position();
    const std::uint64_t value = r.lenenc();
    if (!r.ok()) break;
    // Servers may use a wider form than needed (0xFC 0x05 0x00), never a narrower one.
    FUZZ_CHECK(r.position() - before >= lenenc_size(value));
    Bytes encoded;
    ByteWriter(encoded).lenenc(value);
    ByteReader back(encoded);
    FUZZ_CHECK(back.lenenc() == value && back.ok() && back.at_end());
  }
}

void check_commands(ByteView payload, std::uint64_t caps) {
  command_name(payload.empty() ? 0 : payload[0]);
  response_shape(payload.empty() ? 0 : payload[0]);
  parse_prepare_ok(payload);
  parse_statement_id(payload);
  parse_change_user(payload, caps);
  if (auto header = parse_stmt_execute_header(payload)) {
    const std::uint16_t params = static_cast<std::uint16_t>(header->statement_id & 0x3F);
    auto p = canonical_execute_parameters(payload, params, {});
    if (p) FUZZ_CHECK(p->types.size() == 2u * params);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const std::uint64_t caps = capabilities_from(in.byte());
  const ByteView payload = in.rest();
  check_ok(payload, caps);
  check_err(payload);
  check_eof(payload, caps);
  check_lenenc(payload);
  check_commands(payload, caps);
  return 0;
}
