// RESP replies from a Redis that may be broken or hostile: the reply parser (hiredis' reader
// behind cache::ReplyParser) on arbitrary bytes, fed whole and in arbitrary pieces, and the
// readers that turn replies into lookups, generations and acknowledgements
// (cache/redis_commands.hpp), and the near cache listener's (cache/redis_tracking.hpp). Also:
// every command format_command writes parses back as the array of its arguments.
// Input: [chunking seed] [generation count] [bytes from the server...]
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_commands.hpp"
#include "cache/redis_tracking.hpp"
#include "fuzz_input.hpp"

using namespace sqlcache::cache;

namespace {

struct Parsed {
  std::vector<RedisReply> replies;
  bool failed = false;
};

bool same(const RedisReply& a, const RedisReply& b) {
  if (a.kind != b.kind || a.text != b.text || a.integer != b.integer ||
      a.elements.size() != b.elements.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.elements.size(); ++i) {
    if (!same(a.elements[i], b.elements[i])) return false;
  }
  return true;
}

// Takes every complete reply; stops at the first protocol error.
void drain(ReplyParser& parser, Parsed& out) {
  while (!out.failed) {
    ReplyParser::Outcome o = parser.next();
    if (o.status == ReplyParser::Status::NeedMore) return;
    if (o.status == ReplyParser::Status::ProtocolError) {
      FUZZ_CHECK(!o.error.empty());
      FUZZ_CHECK(parser.failed());
      out.failed = true;
      return;
    }
    out.replies.push_back(std::move(o.reply));
  }
}

Parsed parse_in_pieces(std::string_view bytes, std::uint8_t seed) {
  Parsed out;
  ReplyParser parser;
  if (seed == 0) {
    parser.feed(bytes);
    drain(parser, out);
    return out;
  }
  sqlcache::fuzz::Choices choices(seed);
  std::size_t pos = 0;
  while (pos < bytes.size() && !out.failed) {
    // Mostly small pieces (the hard cases are splits inside "\r\n" and length headers).
    const std::uint32_t r = choices.next();
    const std::size_t piece = (r & 3) == 0 ? 1 + (r >> 2) % 4096 : 1 + (r >> 2) % 8;
    const std::size_t n = std::min(piece, bytes.size() - pos);
    parser.feed(bytes.substr(pos, n));
    pos += n;
    drain(parser, out);
  }
  drain(parser, out);
  return out;
}

void check_readers(std::vector<RedisReply> replies, std::size_t generation_count) {
  std::string error;
  {
    std::vector<RedisReply> copy = replies;
    auto lookup = read_lookup_replies(copy, generation_count, error);
    if (lookup) {
      FUZZ_CHECK(lookup->status == LookupStatus::Hit || lookup->status == LookupStatus::Miss);
      FUZZ_CHECK(lookup->generations.size() == generation_count);
      FUZZ_CHECK((lookup->status == LookupStatus::Hit) ==
                 (replies[0].kind == RedisReply::Kind::String));
      if (lookup->status == LookupStatus::Hit) FUZZ_CHECK(lookup->bytes() == replies[0].text);
    } else {
      FUZZ_CHECK(!error.empty());
    }
  }
  error.clear();
  if (auto generations = read_generations_reply(replies, generation_count, error)) {
    FUZZ_CHECK(generations->size() == generation_count);
  } else {
    FUZZ_CHECK(!error.empty());
  }
  error.clear();
  if (!replies.empty()) {
    if (auto keep_for = read_remaining_ttl(replies.front(), error)) {
      FUZZ_CHECK(keep_for->count() >= 0);
    } else {
      FUZZ_CHECK(!error.empty());
    }
  }
  error.clear();
  if (!read_put_reply(replies, error)) FUZZ_CHECK(!error.empty());
  error.clear();
  if (!read_bump_replies(replies, error)) FUZZ_CHECK(!error.empty());
  for (const RedisReply& reply : replies) {
    if (auto value = parse_generation(reply)) {
      FUZZ_CHECK(reply.kind == RedisReply::Kind::Nil ||
                 (reply.kind == RedisReply::Kind::String && !reply.text.empty()));
    }
  }
  RedisOptions options;
  options.password = "secret";
  options.db = 3;
  error.clear();
  if (!read_handshake_replies(replies, options, error)) FUZZ_CHECK(!error.empty());
  error.clear();
  if (!read_client_id_reply(replies, error)) FUZZ_CHECK(!error.empty());
  error.clear();
  if (!read_tracking_replies(replies, error)) FUZZ_CHECK(!error.empty());
  for (RedisReply reply : replies) {
    const bool is_array = reply.kind == RedisReply::Kind::Array;
    const TrackingMessage message = read_tracking_message(reply);
    if (message.kind != TrackingMessage::Kind::Unexpected) FUZZ_CHECK(is_array);
    if (message.kind != TrackingMessage::Kind::Invalidate) FUZZ_CHECK(message.keys.empty());
  }
}

// A command in RESP form is itself a valid reply: an array of bulk strings.
void check_format_round_trip(std::string_view bytes) {
  std::vector<std::string_view> args;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= bytes.size() && args.size() < 64; ++i) {
    if (i == bytes.size() || bytes[i] == ' ') {
      args.push_back(bytes.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string command = format_command(args);
  ReplyParser parser;
  parser.feed(command);
  ReplyParser::Outcome o = parser.next();
  FUZZ_CHECK(o.status == ReplyParser::Status::Reply);
  FUZZ_CHECK(o.reply.kind == RedisReply::Kind::Array);
  FUZZ_CHECK(o.reply.elements.size() == args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    FUZZ_CHECK(o.reply.elements[i].kind == RedisReply::Kind::String);
    FUZZ_CHECK(o.reply.elements[i].text == args[i]);
  }
  FUZZ_CHECK(parser.next().status == ReplyParser::Status::NeedMore);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const std::uint8_t seed = in.byte();
  const std::size_t generation_count = in.byte() % 8;
  const auto rest = in.rest();
  const std::string_view bytes(reinterpret_cast<const char*>(rest.data()), rest.size());

  // However the bytes arrive, the same replies come out, and a protocol error comes at the
  // same place.
  const Parsed whole = parse_in_pieces(bytes, 0);
  const Parsed pieces = parse_in_pieces(bytes, seed == 0 ? 1 : seed);
  FUZZ_CHECK(whole.failed == pieces.failed);
  FUZZ_CHECK(whole.replies.size() == pieces.replies.size());
  for (std::size_t i = 0; i < whole.replies.size(); ++i) {
    FUZZ_CHECK(same(whole.replies[i], pieces.replies[i]));
  }

  check_readers(whole.replies, generation_count);
  if (bytes.size() <= 4096) check_format_round_trip(bytes);
  return 0;
}
