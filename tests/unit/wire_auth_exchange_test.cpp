#include "mysql_wire/auth_exchange.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sqlcache::wire {
namespace {

AuthPacket classify(std::initializer_list<std::uint8_t> bytes, std::string_view plugin) {
  Bytes payload(bytes);
  return classify_server_auth_packet(payload, plugin);
}

constexpr std::string_view kSha2 = "caching_sha2_password";
constexpr std::string_view kNative = "mysql_native_password";

TEST(AuthExchange, OkAndErrEndTheExchange) {
  EXPECT_EQ(classify({0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}, kSha2), AuthPacket::Ok);
  EXPECT_EQ(classify({0xFF, 0x15, 0x04, '#', '2', '8', '0', '0', '0'}, kNative), AuthPacket::Error);
  EXPECT_FALSE(client_answers(AuthPacket::Ok));
  EXPECT_FALSE(client_answers(AuthPacket::Error));
}

TEST(AuthExchange, SwitchRequestWaitsForTheClient) {
  EXPECT_EQ(classify({0xFE, 'x', 0x00, 'n', 0x00}, kNative), AuthPacket::Switch);
  EXPECT_EQ(classify({0xFE}, kNative), AuthPacket::Switch);  // pre-4.1 "old password" switch
  EXPECT_TRUE(client_answers(AuthPacket::Switch));
}

TEST(AuthExchange, CachingSha2FastAuthAndFullAuth) {
  EXPECT_EQ(classify({0x01, 0x03}, kSha2), AuthPacket::FastAuthSuccess);
  EXPECT_FALSE(client_answers(AuthPacket::FastAuthSuccess));
  EXPECT_EQ(classify({0x01, 0x04}, kSha2), AuthPacket::FullAuthRequest);
  EXPECT_TRUE(client_answers(AuthPacket::FullAuthRequest));
}

TEST(AuthExchange, OtherMoreDataWaitsForTheClient) {
  // The server's public key after the client asked for it.
  EXPECT_EQ(classify({0x01, '-', '-', '-', '-', '-'}, kSha2), AuthPacket::MoreData);
  // The same two bytes mean nothing special to another plugin.
  EXPECT_EQ(classify({0x01, 0x03}, kNative), AuthPacket::MoreData);
  EXPECT_EQ(classify({0x01, 0x04}, "client_ed25519"), AuthPacket::MoreData);
  EXPECT_EQ(classify({0x01, 0x03, 0x00}, kSha2), AuthPacket::MoreData);
  EXPECT_TRUE(client_answers(AuthPacket::MoreData));
}

TEST(AuthExchange, AnythingElseIsMalformed) {
  EXPECT_EQ(classify({}, kSha2), AuthPacket::Malformed);
  EXPECT_EQ(classify({0x02}, kSha2), AuthPacket::Malformed);
  EXPECT_EQ(classify({0xFB, 0x00}, kSha2), AuthPacket::Malformed);
  EXPECT_FALSE(client_answers(AuthPacket::Malformed));
}

}  // namespace
}  // namespace sqlcache::wire
