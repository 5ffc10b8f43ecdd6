#pragma once
// RESP (the Redis protocol, https://redis.io/docs/reference/protocol-spec/) through hiredis,
// used only as a codec: hiredis formats commands and parses replies, the bytes move over Asio
// elsewhere (cache/redis_connection.hpp). Everything here is pure and binary safe.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace sqlcache::cache {

// One RESP2 reply, owned by C++ (hiredis builds it through our object functions).
struct RedisReply {
  enum class Kind { String, Status, Error, Integer, Nil, Array };
  Kind kind = Kind::Nil;
  std::string text;                  // String (bulk, any bytes), Status and Error
  long long integer = 0;             // Integer
  std::vector<RedisReply> elements;  // Array
};

// One command in RESP form ("*<n>\r\n$<len>\r\n<arg>\r\n..."). Arguments may hold any byte.
std::string format_command(std::span<const std::string_view> args);
std::string format_command(std::initializer_list<std::string_view> args);

// Turns a byte stream from the server into replies, in order. Bytes arrive in arbitrary
// pieces; a reply is handed out once it is complete. A protocol violation is final: the
// connection it came from must be closed, since nothing after it can be trusted.
class ReplyParser {
 public:
  // Replies larger than this are treated as garbage (a corrupt length would otherwise make the
  // parser buffer without bound); arrays longer than kMaxArrayElements likewise.
  static constexpr std::size_t kMaxBufferedBytes = std::size_t{1} << 30;
  static constexpr int kMaxArrayElements = 1 << 20;

  enum class Status { Reply, NeedMore, ProtocolError };
  struct Outcome {
    Status status = Status::NeedMore;
    RedisReply reply;   // when status == Reply
    std::string error;  // when status == ProtocolError
  };

  ReplyParser();
  ~ReplyParser();
  ReplyParser(const ReplyParser&) = delete;
  ReplyParser& operator=(const ReplyParser&) = delete;

  void feed(std::string_view bytes);
  Outcome next();
  bool failed() const;

 private:
  struct ReaderDeleter {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  std::string failure_;
};

std::string_view to_string(RedisReply::Kind kind);

}  // namespace sqlcache::cache
