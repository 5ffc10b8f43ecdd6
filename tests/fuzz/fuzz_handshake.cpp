// Connection-phase parsers: initial handshake, handshake response (and SSL request, capability
// patching), auth switch request. Every input goes to all of them.
// Input: [8 bytes: capabilities to patch in] [payload...]
#include "fuzz_input.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/handshake.hpp"

using namespace sqlcache::wire;

namespace {

void check_greeting(ByteView payload) {
  auto h = parse_initial_handshake(payload);
  if (!h) return;
  // What the proxy forwards (after masking capabilities) must parse back the same.
  auto again = parse_initial_handshake(encode_initial_handshake(*h));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->server_version == h->server_version);
  FUZZ_CHECK(again->connection_id == h->connection_id);
  FUZZ_CHECK(again->capabilities == h->capabilities);
  FUZZ_CHECK(again->character_set == h->character_set);
  FUZZ_CHECK(again->status_flags == h->status_flags);
}

void check_response(ByteView payload, std::uint64_t patch) {
  is_ssl_request(payload);
  auto r = parse_handshake_response(payload);
  if (r) {
    auto again = parse_handshake_response(encode_handshake_response(*r));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->capabilities == r->capabilities);
    FUZZ_CHECK(again->max_packet_size == r->max_packet_size);
    FUZZ_CHECK(again->character_set == r->character_set);
    FUZZ_CHECK(again->username == r->username);
    FUZZ_CHECK(again->auth_response == r->auth_response);
    FUZZ_CHECK(again->database == r->database);
    FUZZ_CHECK(again->auth_plugin_name == r->auth_plugin_name);
    FUZZ_CHECK(again->connect_attributes == r->connect_attributes);
  }
  Bytes patched(payload.begin(), payload.end());
  if (patch_response_capabilities(patched, patch)) {
    FUZZ_CHECK(patched.size() == payload.size());
    FUZZ_CHECK(std::equal(patched.begin() + 4, patched.begin() + 28, payload.begin() + 4));
    FUZZ_CHECK(std::equal(patched.begin() + 32, patched.end(), payload.begin() + 32));
    ByteReader reader(patched);
    FUZZ_CHECK(reader.u32() == static_cast<std::uint32_t>(patch));
  } else {
    FUZZ_CHECK(payload.size() < kSslRequestSize);
  }
}

void check_auth_switch(ByteView payload) {
  auto s = parse_auth_switch(payload);
  if (!s) return;
  const Bytes again = encode_auth_switch(*s);
  FUZZ_CHECK(std::equal(again.begin(), again.end(), payload.begin(), payload.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  std::uint64_t patch = 0;
  for (int i = 0; i < 8; ++i) patch |= static_cast<std::uint64_t>(in.byte()) << (8 * i);
  const ByteView payload = in.rest();
  check_greeting(payload);
  check_response(payload, patch);
  check_auth_switch(payload);
  return 0;
}
