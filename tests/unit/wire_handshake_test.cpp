// Connection phase: the real greeting, handshake responses, auth switch, capability patching.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/handshake.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

Bytes payload_at(const testing::Capture& c, std::size_t index, char direction) {
  std::size_t seen = 0;
  for (const auto& p : c.packets) {
    if (p.direction != direction) continue;
    if (seen++ == index) return Bytes(p.bytes.begin() + kHeaderSize, p.bytes.end());
  }
  ADD_FAILURE() << c.name << " has no packet " << index << " from " << direction;
  return {};
}

Bytes sha1(ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha1(), nullptr);
  out.resize(size);
  return out;
}

// mysql_native_password: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))), computed independently of
// the capture script to check the nonce the parser extracted is the one the server used.
Bytes native_password_scramble(std::string_view password, std::string_view nonce) {
  const Bytes stage1 = sha1(as_bytes(password));
  const Bytes stage2 = sha1(stage1);
  Bytes salted(nonce.begin(), nonce.end());
  salted.insert(salted.end(), stage2.begin(), stage2.end());
  Bytes out = sha1(salted);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= stage1[i];
  return out;
}

class WireCapturedHandshake : public ::testing::TestWithParam<const char*> {
 protected:
  testing::Capture greeting_ = load_capture(std::string("greeting.") + GetParam());
  testing::Capture auth_ = load_capture(std::string("auth_ok.") + GetParam());
  Bytes greeting_payload_ = payload_at(greeting_, 0, 'S');
  Bytes response_payload_ = payload_at(auth_, 0, 'C');
};

TEST_P(WireCapturedHandshake, GreetingParsesAsMariaDb) {
  auto h = parse_initial_handshake(greeting_payload_);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->protocol_version, 10);
  // MariaDB prefixes "5.5.5-" for replication clients that compare major versions.
  EXPECT_EQ(h->server_version.rfind("5.5.5-10.11.", 0), 0u) << h->server_version;
  EXPECT_NE(h->server_version.find("MariaDB"), std::string::npos);
  EXPECT_NE(h->connection_id, 0u);
  EXPECT_EQ(h->auth_plugin_data.size(), 20u);
  EXPECT_EQ(h->auth_plugin_data.find('\0'), std::string::npos);
  EXPECT_EQ(h->auth_plugin_name, "mysql_native_password");
  EXPECT_EQ(h->character_set, 45);  // utf8mb4_general_ci, the server's collation
  EXPECT_TRUE(h->status_flags & status::kAutocommit);
}

TEST_P(WireCapturedHandshake, GreetingCapabilitiesMatchWhatTheCaptureScriptRead) {
  auto h = parse_initial_handshake(greeting_payload_);
  ASSERT_TRUE(h);
  const std::uint64_t recorded =
      std::strtoull(greeting_.meta["server_capabilities"].c_str(), nullptr, 16);
  EXPECT_EQ(h->capabilities & 0xFFFFFFFF, recorded);
  // A MariaDB server clears CLIENT_MYSQL and announces extended capabilities in bytes 28..31.
  EXPECT_FALSE(h->capabilities & cap::kLongPassword);
  EXPECT_TRUE(h->capabilities & cap::kMariaDbStmtBulkOperations);
  EXPECT_TRUE(h->capabilities & cap::kProtocol41);
  EXPECT_TRUE(h->capabilities & cap::kDeprecateEof);
  EXPECT_TRUE(h->capabilities & cap::kSessionTrack);
}

TEST_P(WireCapturedHandshake, GreetingEncodesBackToTheServersBytes) {
  auto h = parse_initial_handshake(greeting_payload_);
  ASSERT_TRUE(h);
  EXPECT_EQ(encode_initial_handshake(*h), greeting_payload_);
}

TEST_P(WireCapturedHandshake, ResponseCarriesTheScrambleOfTheGreetingsNonce) {
  auto h = parse_initial_handshake(greeting_payload_);
  auto r = parse_handshake_response(response_payload_);
  ASSERT_TRUE(h);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "sqlcache");
  EXPECT_EQ(r->database, "tutorial");
  EXPECT_EQ(r->auth_plugin_name, "mysql_native_password");
  EXPECT_EQ(r->character_set, 45);
  EXPECT_EQ(r->max_packet_size, 1u << 24);
  EXPECT_EQ(r->capabilities, auth_.capabilities());
  const Bytes scramble = native_password_scramble("sqlcache", h->auth_plugin_data);
  EXPECT_EQ(r->auth_response, std::string(scramble.begin(), scramble.end()))
      << "the nonce is part 1 (8 bytes) + part 2 (12 bytes, NUL dropped)";
}

TEST_P(WireCapturedHandshake, ResponseEncodesBackToTheClientsBytes) {
  auto r = parse_handshake_response(response_payload_);
  ASSERT_TRUE(r);
  EXPECT_EQ(encode_handshake_response(*r), response_payload_);
  EXPECT_FALSE(is_ssl_request(response_payload_));
}

TEST_P(WireCapturedHandshake, PatchingCapabilitiesChangesOnlyThoseFields) {
  Bytes patched = response_payload_;
  const std::uint64_t narrowed = auth_.capabilities() & ~cap::kDeprecateEof & ~cap::kLocalFiles;
  ASSERT_TRUE(patch_response_capabilities(patched, narrowed));
  auto r = parse_handshake_response(patched);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->capabilities, narrowed);
  ASSERT_EQ(patched.size(), response_payload_.size());
  EXPECT_TRUE(std::equal(patched.begin() + 4, patched.end(), response_payload_.begin() + 4));
}

TEST_P(WireCapturedHandshake, EveryTruncatedGreetingParsesOrIsRejectedWithoutCrashing) {
  auto full = parse_initial_handshake(greeting_payload_);
  ASSERT_TRUE(full);
  // protocol version, version string and NUL, connection id, scramble part 1, filler, flags
  const std::size_t first_flags_end = 1 + full->server_version.size() + 1 + 4 + 8 + 1 + 2;
  for (std::size_t cut = 0; cut < greeting_payload_.size(); ++cut) {
    auto h = parse_initial_handshake(ByteView(greeting_payload_).first(cut));
    if (cut < first_flags_end) {
      EXPECT_FALSE(h) << "cut at " << cut;
    }
    if (h) {
      EXPECT_EQ(h->server_version, full->server_version) << "cut at " << cut;
    }
  }
}

TEST_P(WireCapturedHandshake, EveryTruncatedResponseParsesOrIsRejectedWithoutCrashing) {
  const std::size_t user_end = 32 + std::string_view("sqlcache").size() + 1;
  for (std::size_t cut = 0; cut < response_payload_.size(); ++cut) {
    auto r = parse_handshake_response(ByteView(response_payload_).first(cut));
    if (cut < user_end) {
      EXPECT_FALSE(r) << "cut at " << cut << " is before the user name ends";
    }
    if (r) {
      EXPECT_EQ(r->username, "sqlcache") << "cut at " << cut;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, WireCapturedHandshake, ::testing::ValuesIn(testing::kVariants));

TEST(WireHandshake, GreetingWithExtendedCapabilitiesRoundTrips) {
  InitialHandshake h;
  h.server_version = "10.11.19-MariaDB";
  h.connection_id = 77;
  h.auth_plugin_data = "abcdefghijklmnopqrst";
  h.capabilities = cap::kProtocol41 | cap::kSecureConnection | cap::kPluginAuth |
                   cap::kDeprecateEof | cap::kMariaDbCacheMetadata;
  h.character_set = 45;
  h.status_flags = status::kAutocommit;
  h.auth_plugin_name = "mysql_native_password";
  auto parsed = parse_initial_handshake(encode_initial_handshake(h));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->capabilities, h.capabilities);
  EXPECT_EQ(parsed->auth_plugin_data, h.auth_plugin_data);
  EXPECT_EQ(parsed->auth_plugin_name, h.auth_plugin_name);
  EXPECT_EQ(parsed->server_version, h.server_version);
  EXPECT_EQ(parsed->connection_id, 77u);
}

TEST(WireHandshake, GreetingWithClientMysqlBitIgnoresTheExtendedBytes) {
  InitialHandshake h;
  h.server_version = "8.0.36";
  h.auth_plugin_data = "abcdefghijklmnopqrst";
  h.capabilities =
      cap::kLongPassword | cap::kProtocol41 | cap::kSecureConnection | cap::kPluginAuth;
  h.auth_plugin_name = "caching_sha2_password";
  Bytes bytes = encode_initial_handshake(h);
  // Bytes 28..31 after the fixed prefix are reserved for a MySQL server: fill them.
  const std::size_t reserved = 1 + h.server_version.size() + 1 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 6;
  for (std::size_t i = 0; i < 4; ++i) bytes[reserved + i] = 0xFF;
  auto parsed = parse_initial_handshake(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->capabilities, h.capabilities);
}

TEST(WireHandshake, GreetingOfAnotherProtocolVersionIsRejected) {
  Bytes bytes = encode_initial_handshake(InitialHandshake{});
  bytes[0] = 9;
  EXPECT_FALSE(parse_initial_handshake(bytes));
  EXPECT_FALSE(parse_initial_handshake(ByteView{}));
}

TEST(WireHandshake, ResponseWithoutProtocol41IsRejected) {
  HandshakeResponse r;
  r.capabilities = cap::kSecureConnection;
  r.username = "u";
  EXPECT_FALSE(parse_handshake_response(encode_handshake_response(r)));
}

struct ResponseLayout {
  const char* name;
  std::uint64_t capabilities;
};

class WireHandshakeResponseLayout : public ::testing::TestWithParam<ResponseLayout> {};

TEST_P(WireHandshakeResponseLayout, RoundTripsEveryField) {
  HandshakeResponse r;
  r.capabilities = GetParam().capabilities;
  r.max_packet_size = 0x40000000;
  r.character_set = 33;
  r.username = "app_a";
  // A NUL-terminated auth response cannot contain NUL; the length-prefixed ones can.
  r.auth_response = (r.capabilities & (cap::kSecureConnection | cap::kPluginAuthLenencClientData))
                        ? std::string("\x01\x00\xFF scramble bytes..", 20)
                        : std::string("old-style");
  if (r.capabilities & cap::kConnectWithDb) r.database = "tutorial";
  if (r.capabilities & cap::kPluginAuth) r.auth_plugin_name = "mysql_native_password";
  if (r.capabilities & cap::kConnectAttrs) r.connect_attributes = std::string("\x03_os\x05Linux");
  const Bytes bytes = encode_handshake_response(r);
  auto parsed = parse_handshake_response(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->capabilities, r.capabilities);
  EXPECT_EQ(parsed->max_packet_size, r.max_packet_size);
  EXPECT_EQ(parsed->character_set, r.character_set);
  EXPECT_EQ(parsed->username, r.username);
  EXPECT_EQ(parsed->auth_response, r.auth_response);
  EXPECT_EQ(parsed->database, r.database);
  EXPECT_EQ(parsed->auth_plugin_name, r.auth_plugin_name);
  EXPECT_EQ(parsed->connect_attributes, r.connect_attributes);
  EXPECT_EQ(encode_handshake_response(*parsed), bytes);
}

constexpr std::uint64_t k41 = cap::kProtocol41;
INSTANTIATE_TEST_SUITE_P(
    Capabilities, WireHandshakeResponseLayout,
    ::testing::Values(
        ResponseLayout{"NulTerminatedAuth", k41},
        ResponseLayout{"SecureConnection", k41 | cap::kSecureConnection},
        ResponseLayout{"LenencAuth",
                       k41 | cap::kSecureConnection | cap::kPluginAuthLenencClientData},
        ResponseLayout{"WithDbAndPlugin",
                       k41 | cap::kSecureConnection | cap::kConnectWithDb | cap::kPluginAuth},
        ResponseLayout{"WithAttributes", k41 | cap::kSecureConnection | cap::kConnectWithDb |
                                             cap::kPluginAuth | cap::kConnectAttrs},
        ResponseLayout{"MariaDbExtended", k41 | cap::kSecureConnection | cap::kPluginAuth |
                                              cap::kMariaDbProgress | cap::kMariaDbCacheMetadata},
        ResponseLayout{"ClientMysqlBit", k41 | cap::kLongPassword | cap::kSecureConnection}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WireHandshake, AttributesLongerThanThePacketAreRejected) {
  HandshakeResponse r;
  r.capabilities = k41 | cap::kSecureConnection | cap::kConnectAttrs;
  r.username = "u";
  Bytes bytes = encode_handshake_response(r);
  bytes.back() = 40;  // the attributes' length, with nothing after it
  EXPECT_FALSE(parse_handshake_response(bytes));
}

TEST(WireHandshake, SslRequestIsTheFirst32BytesWithTheSslBit) {
  HandshakeResponse r;
  r.capabilities = k41 | cap::kSsl | cap::kSecureConnection;
  r.username = "u";
  Bytes bytes = encode_handshake_response(r);
  bytes.resize(kSslRequestSize);
  EXPECT_TRUE(is_ssl_request(bytes));
  ASSERT_TRUE(patch_response_capabilities(bytes, k41));
  EXPECT_FALSE(is_ssl_request(bytes));
  bytes.push_back(0);
  EXPECT_FALSE(is_ssl_request(bytes));
}

TEST(WireHandshake, PatchWritesExtendedCapabilitiesOnlyWithoutClientMysql) {
  Bytes bytes(kSslRequestSize, 0xAA);
  ASSERT_TRUE(patch_response_capabilities(bytes, k41 | cap::kMariaDbCacheMetadata));
  EXPECT_EQ(bytes[28], 0x10);  // bit 36 is bit 4 of the extended word
  ASSERT_TRUE(
      patch_response_capabilities(bytes, k41 | cap::kLongPassword | cap::kMariaDbCacheMetadata));
  EXPECT_EQ(bytes[28], 0x00);
  EXPECT_EQ(bytes[4], 0xAA) << "max packet size untouched";
}

TEST(WireHandshake, PatchRefusesPayloadsShorterThanTheFixedPart) {
  Bytes bytes(kSslRequestSize - 1, 0);
  EXPECT_FALSE(patch_response_capabilities(bytes, k41));
  EXPECT_EQ(bytes, Bytes(kSslRequestSize - 1, 0));
}

TEST(WireAuthSwitch, CapturedChangeUserSwitchParses) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    for (const char* name : {"change_user.", "auth_switch."}) {
      auto capture = load_capture(std::string(name) + variant);
      const Bytes payload = payload_at(capture, 0, 'S');
      auto s = parse_auth_switch(payload);
      ASSERT_TRUE(s);
      EXPECT_EQ(s->plugin_name, "mysql_native_password");
      ASSERT_EQ(s->plugin_data.size(), 21u) << "a fresh 20-byte nonce and its NUL";
      EXPECT_EQ(s->plugin_data.back(), '\0');
      EXPECT_EQ(encode_auth_switch(*s), payload);
      // The client's answer is the scramble of that nonce.
      const Bytes answer = payload_at(capture, 1, 'C');
      EXPECT_EQ(answer, native_password_scramble("sqlcache", s->plugin_data.substr(0, 20)));
    }
  }
}

TEST(WireAuthSwitch, EveryTruncationParsesOrIsRejectedWithoutCrashing) {
  const Bytes payload = payload_at(load_capture("change_user.classic"), 0, 'S');
  EXPECT_FALSE(parse_auth_switch(ByteView{}));
  for (std::size_t cut = 1; cut < payload.size(); ++cut) {
    auto s = parse_auth_switch(ByteView(payload).first(cut));
    if (cut <= 22) {
      EXPECT_FALSE(s) << "cut at " << cut << " is before the plugin name's NUL";
    }
  }
}

TEST(WireAuthSwitch, OtherHeadersAreNotASwitch) {
  EXPECT_FALSE(parse_auth_switch(Bytes{0x01, 'x', 0}));
  EXPECT_FALSE(parse_auth_switch(Bytes{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}));
}

}  // namespace
}  // namespace sqlcache::wire
