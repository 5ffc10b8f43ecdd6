#include "cache/redis_codec.hpp"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <new>

namespace sqlcache::cache {

namespace {

// hiredis calls these as it recognises each element. A nested element is written in place into
// the array its parent created (sized up front, so it never reallocates); only the root is a
// separate allocation, and hiredis hands it to freeObject if it has to give up half-way.
RedisReply* place(const redisReadTask* task) {
  if (task->parent == nullptr) return new (std::nothrow) RedisReply();
  auto* parent = static_cast<RedisReply*>(task->parent->obj);
  return &parent->elements[static_cast<std::size_t>(task->idx)];
}

void* create_string(const redisReadTask* task, char* bytes, size_t length) {
  RedisReply* reply = place(task);
  if (reply == nullptr) return nullptr;
  switch (task->type) {
    case REDIS_REPLY_STATUS:
      reply->kind = RedisReply::Kind::Status;
      break;
    case REDIS_REPLY_ERROR:
      reply->kind = RedisReply::Kind::Error;
      break;
    default:
      reply->kind = RedisReply::Kind::String;
      break;
  }
  reply->text.assign(bytes, length);
  return reply;
}

void* create_array(const redisReadTask* task, int elements) {
  // Returning nullptr makes hiredis stop with an error instead of allocating what a corrupt
  // length asks for.
  if (elements < 0 || elements > ReplyParser::kMaxArrayElements) return nullptr;
  RedisReply* reply = place(task);
  if (reply == nullptr) return nullptr;
  reply->kind = RedisReply::Kind::Array;
  reply->elements.resize(static_cast<std::size_t>(elements));
  return reply;
}

void* create_integer(const redisReadTask* task, long long value) {
  RedisReply* reply = place(task);
  if (reply == nullptr) return nullptr;
  reply->kind = RedisReply::Kind::Integer;
  reply->integer = value;
  return reply;
}

void* create_nil(const redisReadTask* task) {
  RedisReply* reply = place(task);
  if (reply == nullptr) return nullptr;
  reply->kind = RedisReply::Kind::Nil;
  return reply;
}

void free_reply(void* reply) { delete static_cast<RedisReply*>(reply); }

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer,
                                             create_nil, free_reply};

}  // namespace

std::string format_command(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(),
                                            lengths.data());
  if (length < 0 || formatted == nullptr) throw std::bad_alloc();  // its only failure mode
  std::string command(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return command;
}

std::string format_command(std::initializer_list<std::string_view> args) {
  return format_command(std::span<const std::string_view>(args.begin(), args.size()));
}

void ReplyParser::ReaderDeleter::operator()(redisReader* reader) const { redisReaderFree(reader); }

ReplyParser::ReplyParser() : reader_(redisReaderCreateWithFunctions(&reply_functions)) {
  if (!reader_) throw std::bad_alloc();
}

ReplyParser::~ReplyParser() = default;

bool ReplyParser::failed() const { return !failure_.empty(); }

void ReplyParser::feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  if (reader_->len - reader_->pos + bytes.size() > kMaxBufferedBytes) {
    failure_ = "reply larger than the parser accepts";
    return;
  }
  if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    failure_ = reader_->errstr[0] != '\0' ? reader_->errstr : "reader refused input";
  }
}

ReplyParser::Outcome ReplyParser::next() {
  Outcome outcome;
  if (failed()) {
    outcome.status = Status::ProtocolError;
    outcome.error = failure_;
    return outcome;
  }
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    failure_ = reader_->errstr[0] != '\0' ? reader_->errstr : "protocol error";
    outcome.status = Status::ProtocolError;
    outcome.error = failure_;
    return outcome;
  }
  if (raw == nullptr) return outcome;  // NeedMore
  std::unique_ptr<RedisReply> reply(static_cast<RedisReply*>(raw));
  outcome.status = Status::Reply;
  outcome.reply = std::move(*reply);
  return outcome;
}

std::string_view to_string(RedisReply::Kind kind) {
  switch (kind) {
    case RedisReply::Kind::String:
      return "string";
    case RedisReply::Kind::Status:
      return "status";
    case RedisReply::Kind::Error:
      return "error";
    case RedisReply::Kind::Integer:
      return "integer";
    case RedisReply::Kind::Nil:
      return "nil";
    case RedisReply::Kind::Array:
      return "array";
  }
  return "unknown";
}

}  // namespace sqlcache::cache
