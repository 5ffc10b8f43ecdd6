#include "cache/redis_tracking.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cache/redis_codec.hpp"
#include "redis_replies.hpp"

namespace sqlcache::cache {
namespace {

using Kind = TrackingMessage::Kind;

TrackingMessage message_of(std::string_view bytes) {
  std::vector<RedisReply> replies = parse_all(bytes);
  EXPECT_EQ(replies.size(), 1u);
  if (replies.empty()) return {};
  return read_tracking_message(replies.front());
}

TEST(RedisTracking, SetupAsksForTheIdThenTracksThePrefixIntoItself) {
  EXPECT_EQ(client_id_request().bytes, "*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n");
  const RedisRequest request = tracking_request(42, "app:gen:");
  EXPECT_EQ(request.reply_count, 2u);
  EXPECT_EQ(request.bytes,
            "*8\r\n$6\r\nCLIENT\r\n$8\r\nTRACKING\r\n$2\r\non\r\n$8\r\nREDIRECT\r\n$2\r\n42\r\n"
            "$5\r\nBCAST\r\n$6\r\nPREFIX\r\n$8\r\napp:gen:\r\n"
            "*2\r\n$9\r\nSUBSCRIBE\r\n$20\r\n__redis__:invalidate\r\n");
}

TEST(RedisTracking, ReadsTheClientId) {
  std::string error;
  auto replies = parse_all(":17\r\n");
  EXPECT_EQ(read_client_id_reply(replies, error), 17);
  replies = parse_all("-ERR unknown subcommand\r\n");
  EXPECT_FALSE(read_client_id_reply(replies, error));
  EXPECT_NE(error.find("unknown subcommand"), std::string::npos) << error;
}

// The replies Redis 7.0 sent in a session captured with a raw socket.
TEST(RedisTracking, AcceptsWhatRedisAnswersToTheSetup) {
  std::string error;
  auto replies = parse_all("+OK\r\n*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n");
  EXPECT_TRUE(read_tracking_replies(replies, error)) << error;
}

TEST(RedisTracking, ARefusedTrackingSaysWhy) {
  std::string error;
  auto replies = parse_all(
      "-ERR unknown subcommand 'TRACKING'\r\n*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:"
      "invalidate\r\n:1\r\n");
  EXPECT_FALSE(read_tracking_replies(replies, error));
  EXPECT_NE(error.find("Redis 6"), std::string::npos) << error;
  EXPECT_NE(error.find("TRACKING"), std::string::npos) << error;
}

TEST(RedisTracking, ReadsTheKeysOfAnInvalidation) {
  TrackingMessage message = message_of(
      "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$7\r\nt:gen:x\r\n$7\r\nt:gen:"
      "y\r\n");
  EXPECT_EQ(message.kind, Kind::Invalidate);
  EXPECT_EQ(message.keys, (std::vector<std::string>{"t:gen:x", "t:gen:y"}));
}

TEST(RedisTracking, ANilListIsAFlush) {
  TrackingMessage message =
      message_of("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
  EXPECT_EQ(message.kind, Kind::InvalidateAll);
}

TEST(RedisTracking, ReadsThePongOfASubscribedConnection) {
  EXPECT_EQ(message_of("*2\r\n$4\r\npong\r\n$0\r\n\r\n").kind, Kind::Pong);
}

TEST(RedisTracking, AnythingElseIsUnexpected) {
  EXPECT_EQ(message_of("+OK\r\n").kind, Kind::Unexpected);
  EXPECT_EQ(message_of("*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n*1\r\n$1\r\nk\r\n").kind,
            Kind::Unexpected);
  EXPECT_EQ(message_of("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n:5\r\n").kind,
            Kind::Unexpected);
  EXPECT_EQ(message_of("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n:5\r\n").kind,
            Kind::Unexpected);
  EXPECT_EQ(message_of("*0\r\n").kind, Kind::Unexpected);
}

}  // namespace
}  // namespace sqlcache::cache
