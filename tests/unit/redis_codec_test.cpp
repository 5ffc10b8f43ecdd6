#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_commands.hpp"
#include "redis_replies.hpp"

namespace sqlcache::cache {
namespace {

using Kind = RedisReply::Kind;
using Status = ReplyParser::Status;

std::string every_byte() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

RedisReply parse_one(std::string_view bytes) {
  auto replies = parse_all(bytes);
  EXPECT_EQ(replies.size(), 1u);
  return replies.empty() ? RedisReply{} : std::move(replies.front());
}

// --- formatting -------------------------------------------------------------------------------

TEST(RedisCodec, FormatsACommandAsAnArrayOfBulkStrings) {
  EXPECT_EQ(format_command({"GET", "k1"}), "*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n");
}

TEST(RedisCodec, FormatsEmptyArguments) {
  EXPECT_EQ(format_command({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

TEST(RedisCodec, FormattedCommandParsesBackToItsArgumentsWithEveryByteValue) {
  const std::string value = every_byte() + std::string("\r\n\0\r\n", 5);
  const std::string_view key("key\0with nul", 12);
  const std::string command = format_command({"SET", key, value});
  RedisReply parsed = parse_one(command);
  ASSERT_EQ(parsed.kind, Kind::Array);
  ASSERT_EQ(parsed.elements.size(), 3u);
  EXPECT_EQ(parsed.elements[0].text, "SET");
  EXPECT_EQ(parsed.elements[1].text, key);
  EXPECT_EQ(parsed.elements[2].text, value);
  EXPECT_EQ(parsed.elements[2].kind, Kind::String);
}

// --- reply kinds ------------------------------------------------------------------------------

TEST(RedisCodec, ParsesStatusErrorAndInteger) {
  auto replies = parse_all("+OK\r\n-WRONGTYPE Operation against a key\r\n:-42\r\n");
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].kind, Kind::Status);
  EXPECT_EQ(replies[0].text, "OK");
  EXPECT_EQ(replies[1].kind, Kind::Error);
  EXPECT_EQ(replies[1].text, "WRONGTYPE Operation against a key");
  EXPECT_EQ(replies[2].kind, Kind::Integer);
  EXPECT_EQ(replies[2].integer, -42);
}

TEST(RedisCodec, ParsesNilBulkAndNilArray) {
  auto replies = parse_all("$-1\r\n*-1\r\n");
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].kind, Kind::Nil);
  EXPECT_EQ(replies[1].kind, Kind::Nil);
}

TEST(RedisCodec, DistinguishesEmptyStringFromNil) {
  RedisReply reply = parse_one("$0\r\n\r\n");
  EXPECT_EQ(reply.kind, Kind::String);
  EXPECT_TRUE(reply.text.empty());
}

TEST(RedisCodec, ParsesNestedArraysWithMixedElements) {
  RedisReply reply = parse_one("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n*0\r\n");
  ASSERT_EQ(reply.kind, Kind::Array);
  ASSERT_EQ(reply.elements.size(), 3u);
  EXPECT_EQ(reply.elements[0].text, "a");
  ASSERT_EQ(reply.elements[1].kind, Kind::Array);
  ASSERT_EQ(reply.elements[1].elements.size(), 2u);
  EXPECT_EQ(reply.elements[1].elements[0].integer, 1);
  EXPECT_EQ(reply.elements[1].elements[1].kind, Kind::Nil);
  EXPECT_EQ(reply.elements[2].kind, Kind::Array);
  EXPECT_TRUE(reply.elements[2].elements.empty());
}

TEST(RedisCodec, ReplySplitAtEveryByteBoundaryStillParses) {
  const std::string bytes = "*2\r\n$5\r\nhello\r\n:7\r\n+OK\r\n";
  ReplyParser parser;
  std::vector<RedisReply> replies;
  for (char c : bytes) {
    parser.feed(std::string_view(&c, 1));
    for (auto outcome = parser.next(); outcome.status == Status::Reply; outcome = parser.next()) {
      replies.push_back(std::move(outcome.reply));
    }
  }
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].elements[0].text, "hello");
  EXPECT_EQ(replies[0].elements[1].integer, 7);
  EXPECT_EQ(replies[1].text, "OK");
}

TEST(RedisCodec, IncompleteReplyWaitsForMoreBytes) {
  ReplyParser parser;
  parser.feed("$10\r\nabc");
  EXPECT_EQ(parser.next().status, Status::NeedMore);
  parser.feed("defghij\r\n");
  auto outcome = parser.next();
  ASSERT_EQ(outcome.status, Status::Reply);
  EXPECT_EQ(outcome.reply.text, "abcdefghij");
}

TEST(RedisCodec, LargeBinaryValueParses) {
  std::string value;
  for (int i = 0; i < (1 << 20); ++i) value.push_back(static_cast<char>(i * 7));
  const std::string bytes = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  ReplyParser parser;
  for (std::size_t at = 0; at < bytes.size(); at += 65536) {
    parser.feed(std::string_view(bytes).substr(at, 65536));
  }
  auto outcome = parser.next();
  ASSERT_EQ(outcome.status, Status::Reply);
  EXPECT_EQ(outcome.reply.text, value);
}

// --- garbage ----------------------------------------------------------------------------------

TEST(RedisCodec, UnknownTypeByteIsAProtocolError) {
  ReplyParser parser;
  parser.feed("hello\r\n");
  auto outcome = parser.next();
  EXPECT_EQ(outcome.status, Status::ProtocolError);
  EXPECT_FALSE(outcome.error.empty());
}

TEST(RedisCodec, ProtocolErrorIsFinal) {
  ReplyParser parser;
  parser.feed("?\r\n");
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
  parser.feed("+OK\r\n");
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
  EXPECT_TRUE(parser.failed());
}

TEST(RedisCodec, ErrorAfterAGoodReplyKeepsTheGoodReply) {
  ReplyParser parser;
  parser.feed("+OK\r\n!garbage\r\n");
  EXPECT_EQ(parser.next().status, Status::Reply);
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
}

TEST(RedisCodec, HugeArrayLengthIsRefusedNotAllocated) {
  ReplyParser parser;
  parser.feed("*2000000000\r\n");
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
}

TEST(RedisCodec, NegativeArrayLengthIsRefused) {
  ReplyParser parser;
  parser.feed("*-5\r\n");
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
}

TEST(RedisCodec, TooDeeplyNestedArrayIsAProtocolError) {
  std::string nested;
  for (int depth = 0; depth < 40; ++depth) nested += "*1\r\n";
  ReplyParser parser;
  parser.feed(nested);
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
}

TEST(RedisCodec, GarbageInsideAnArrayFreesThePartialReply) {
  // Run under ASan/LSan (SQLCACHE_SANITIZE=ON) this also proves nothing leaks.
  ReplyParser parser;
  parser.feed("*3\r\n$1\r\na\r\n*2\r\n:1\r\n@\r\n");
  EXPECT_EQ(parser.next().status, Status::ProtocolError);
}

TEST(RedisCodec, RandomBytesNeverCrashTheParser) {
  std::mt19937 random(20240611);
  const std::string alphabet = "+-:$*\r\n0123456789-abc";
  int errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(1 + random() % 64, '\0');
    for (char& c : bytes) {
      // Mostly RESP-ish characters so the parser gets deep, sometimes any byte.
      c = (random() % 4 == 0) ? static_cast<char>(random() % 256)
                              : alphabet[random() % alphabet.size()];
    }
    ReplyParser parser;
    parser.feed(bytes);
    for (int i = 0; i < 100; ++i) {
      auto outcome = parser.next();
      if (outcome.status == Status::ProtocolError) ++errors;
      if (outcome.status != Status::Reply) break;
    }
  }
  EXPECT_GT(errors, 0);
}

// --- store commands and their replies -----------------------------------------------------------

TEST(RedisCommands, LookupIsGetFollowedByMgetInOneRequest) {
  const std::vector<std::string> gens{"gen:shop.a", "gen:shop.b"};
  RedisRequest request = lookup_request("entry", gens);
  EXPECT_EQ(request.bytes, format_command({"GET", "entry"}) +
                               format_command({"MGET", "gen:shop.a", "gen:shop.b"}));
  EXPECT_EQ(request.reply_count, 2u);
}

TEST(RedisCommands, LookupWithoutGenerationsIsAPlainGet) {
  RedisRequest request = lookup_request("entry", {});
  EXPECT_EQ(request.bytes, format_command({"GET", "entry"}));
  EXPECT_EQ(request.reply_count, 1u);
}

TEST(RedisCommands, RemainingTtlIsPttlAndAppendsBeforeTheLookup) {
  const std::vector<std::string> gens{"gen:shop.a"};
  RedisRequest request = remaining_ttl_request("entry");
  append(request, lookup_request("entry", gens));
  EXPECT_EQ(request.bytes, format_command({"PTTL", "entry"}) + format_command({"GET", "entry"}) +
                               format_command({"MGET", "gen:shop.a"}));
  EXPECT_EQ(request.reply_count, 3u);
}

TEST(RedisCommands, RemainingTtlReadsAsHowLongACopyMayBeKept) {
  std::string error;
  EXPECT_EQ(read_remaining_ttl(parse_one(":1500\r\n"), error), std::chrono::milliseconds(1500));
  EXPECT_EQ(read_remaining_ttl(parse_one(":0\r\n"), error), std::chrono::milliseconds(0));
  EXPECT_EQ(read_remaining_ttl(parse_one(":-1\r\n"), error), std::chrono::milliseconds::max())
      << "no expiry";
  EXPECT_EQ(read_remaining_ttl(parse_one(":-2\r\n"), error), std::chrono::milliseconds(0))
      << "no such key";
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_FALSE(read_remaining_ttl(parse_one("-ERR unknown command 'PTTL'\r\n"), error));
  EXPECT_NE(error.find("unknown command"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(read_remaining_ttl(parse_one("$2\r\n10\r\n"), error));
  EXPECT_FALSE(error.empty());
}

TEST(RedisCommands, PutIsSetWithMillisecondTtl) {
  RedisRequest request = put_request("k", std::string("v\0v", 3), std::chrono::milliseconds(1500));
  EXPECT_EQ(request.bytes, format_command({"SET", "k", std::string_view("v\0v", 3), "PX", "1500"}));
  EXPECT_EQ(request.reply_count, 1u);
}

TEST(RedisCommands, BumpIsOneIncrPerKey) {
  const std::vector<std::string> gens{"g1", "g2", "g3"};
  RedisRequest request = bump_request(gens);
  EXPECT_EQ(request.bytes, format_command({"INCR", "g1"}) + format_command({"INCR", "g2"}) +
                               format_command({"INCR", "g3"}));
  EXPECT_EQ(request.reply_count, 3u);
}

TEST(RedisCommands, HandshakeSendsOnlyWhatIsConfigured) {
  RedisOptions options;
  EXPECT_EQ(handshake_request(options).reply_count, 0u);
  options.password = "secret";
  EXPECT_EQ(handshake_request(options).bytes, format_command({"AUTH", "secret"}));
  options.username = "sqlcache";
  options.db = 3;
  RedisRequest request = handshake_request(options);
  EXPECT_EQ(request.bytes,
            format_command({"AUTH", "sqlcache", "secret"}) + format_command({"SELECT", "3"}));
  EXPECT_EQ(request.reply_count, 2u);
}

TEST(RedisCommands, HitCarriesTheBinaryValueAndTheGenerations) {
  const std::string value = every_byte();
  auto replies = parse_all("$" + std::to_string(value.size()) + "\r\n" + value +
                           "\r\n*3\r\n$1\r\n7\r\n$-1\r\n$20\r\n18446744073709551615\r\n");
  std::string error;
  auto lookup = read_lookup_replies(replies, 3, error);
  ASSERT_TRUE(lookup.has_value()) << error;
  EXPECT_EQ(lookup->status, LookupStatus::Hit);
  EXPECT_EQ(lookup->bytes(), value);
  EXPECT_EQ(lookup->generations, (std::vector<std::uint64_t>{7, 0, 18446744073709551615u}));
}

TEST(RedisCommands, NilEntryIsAMissWithGenerations) {
  auto replies = parse_all("$-1\r\n*1\r\n$2\r\n12\r\n");
  std::string error;
  auto lookup = read_lookup_replies(replies, 1, error);
  ASSERT_TRUE(lookup.has_value()) << error;
  EXPECT_EQ(lookup->status, LookupStatus::Miss);
  EXPECT_EQ(lookup->generations, (std::vector<std::uint64_t>{12}));
}

TEST(RedisCommands, ServerErrorOnGetIsAnErrorWithTheServersReason) {
  auto replies = parse_all(
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n*1\r\n$-1\r\n");
  std::string error;
  EXPECT_FALSE(read_lookup_replies(replies, 1, error).has_value());
  EXPECT_NE(error.find("WRONGTYPE"), std::string::npos) << error;
}

TEST(RedisCommands, GenerationThatIsNotACounterIsAnError) {
  auto replies = parse_all("$-1\r\n*1\r\n$3\r\nabc\r\n");
  std::string error;
  EXPECT_FALSE(read_lookup_replies(replies, 1, error).has_value());
  EXPECT_FALSE(error.empty());
}

TEST(RedisCommands, MgetWithTheWrongNumberOfValuesIsAnError) {
  auto replies = parse_all("*1\r\n$1\r\n1\r\n");
  std::string error;
  EXPECT_FALSE(read_generations_reply(replies, 2, error).has_value());
}

TEST(RedisCommands, ParsesGenerationCounters) {
  EXPECT_EQ(parse_generation(parse_one("$1\r\n0\r\n")), 0u);
  EXPECT_EQ(parse_generation(parse_one("$3\r\n123\r\n")), 123u);
  EXPECT_EQ(parse_generation(parse_one("$-1\r\n")), 0u);
  EXPECT_FALSE(parse_generation(parse_one("$2\r\n-1\r\n")).has_value());
  EXPECT_FALSE(parse_generation(parse_one("$3\r\n12a\r\n")).has_value());
  EXPECT_FALSE(parse_generation(parse_one("$0\r\n\r\n")).has_value());
  EXPECT_FALSE(parse_generation(parse_one("$20\r\n18446744073709551616\r\n")).has_value());
  EXPECT_FALSE(parse_generation(parse_one(":5\r\n")).has_value());
}

TEST(RedisCommands, PutNeedsOk) {
  std::string error;
  auto ok = parse_all("+OK\r\n");
  EXPECT_TRUE(read_put_reply(ok, error));
  auto refused = parse_all("-OOM command not allowed when used memory > 'maxmemory'\r\n");
  EXPECT_FALSE(read_put_reply(refused, error));
  EXPECT_NE(error.find("OOM"), std::string::npos);
}

TEST(RedisCommands, BumpNeedsIntegers) {
  std::string error;
  auto ok = parse_all(":1\r\n:5\r\n");
  EXPECT_TRUE(read_bump_replies(ok, error));
  auto refused = parse_all(":1\r\n-ERR value is not an integer or out of range\r\n");
  EXPECT_FALSE(read_bump_replies(refused, error));
}

TEST(RedisCommands, WrongPasswordReadsAsAuthFailure) {
  RedisOptions options;
  options.password = "wrong";
  auto replies = parse_all("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  std::string error;
  EXPECT_FALSE(read_handshake_replies(replies, options, error));
  EXPECT_EQ(error.rfind("auth failed: WRONGPASS", 0), 0u) << error;
  EXPECT_EQ(error.find("wrong"), std::string::npos) << "the password must not be echoed";
}

TEST(RedisCommands, RefusedSelectReadsAsFailure) {
  RedisOptions options;
  options.db = 99;
  auto replies = parse_all("-ERR DB index is out of range\r\n");
  std::string error;
  EXPECT_FALSE(read_handshake_replies(replies, options, error));
  EXPECT_NE(error.find("SELECT 99"), std::string::npos);
}

}  // namespace
}  // namespace sqlcache::cache
