#pragma once
// Replies parsed from literal RESP bytes, for the tests of the Redis commands and messages.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "cache/redis_codec.hpp"

namespace sqlcache::cache {

// Feeds `bytes` and collects every complete reply; fails the test on a protocol error.
inline std::vector<RedisReply> parse_all(std::string_view bytes) {
  ReplyParser parser;
  parser.feed(bytes);
  std::vector<RedisReply> replies;
  for (;;) {
    auto outcome = parser.next();
    if (outcome.status == ReplyParser::Status::NeedMore) break;
    EXPECT_EQ(outcome.status, ReplyParser::Status::Reply) << outcome.error;
    if (outcome.status != ReplyParser::Status::Reply) break;
    replies.push_back(std::move(outcome.reply));
  }
  return replies;
}

}  // namespace sqlcache::cache
