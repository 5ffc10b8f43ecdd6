#include "cache/redis_commands.hpp"

#include <charconv>

namespace sqlcache::cache {

namespace {

// "MGET a b c" as argument views over the caller's strings.
std::string format_with_keys(std::string_view command, std::span<const std::string> keys) {
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.push_back(command);
  for (const auto& key : keys) args.push_back(key);
  return format_command(args);
}

bool check_count(std::span<RedisReply> replies, std::size_t expected, std::string& error) {
  if (replies.size() == expected) return true;
  error =
      "expected " + std::to_string(expected) + " replies, got " + std::to_string(replies.size());
  return false;
}

// An error reply carries the server's explanation ("WRONGTYPE ...", "NOAUTH ...", "LOADING ...").
bool is_server_error(const RedisReply& reply, std::string& error) {
  if (reply.kind != RedisReply::Kind::Error) return false;
  error = "server error: " + reply.text;
  return true;
}

void unexpected(const RedisReply& reply, std::string_view command, std::string& error) {
  if (is_server_error(reply, error)) return;
  error = "unexpected " + std::string(to_string(reply.kind)) + " reply to " + std::string(command);
}

bool is_ok_status(const RedisReply& reply) {
  return reply.kind == RedisReply::Kind::Status && reply.text == "OK";
}

std::optional<std::vector<std::uint64_t>> read_mget(RedisReply& reply, std::size_t count,
                                                    std::string& error) {
  if (reply.kind != RedisReply::Kind::Array) {
    unexpected(reply, "MGET", error);
    return std::nullopt;
  }
  if (reply.elements.size() != count) {
    error = "MGET returned " + std::to_string(reply.elements.size()) + " values for " +
            std::to_string(count) + " keys";
    return std::nullopt;
  }
  std::vector<std::uint64_t> values;
  values.reserve(count);
  for (const auto& element : reply.elements) {
    auto value = parse_generation(element);
    if (!value) {
      error = "generation key holds something that is not a counter";
      return std::nullopt;
    }
    values.push_back(*value);
  }
  return values;
}

}  // namespace

RedisRequest lookup_request(std::string_view key, std::span<const std::string> generation_keys) {
  RedisRequest request;
  request.bytes = format_command({"GET", key});
  request.reply_count = 1;
  if (!generation_keys.empty()) {
    // MGET without keys is a syntax error, so it is only sent when there is something to read.
    request.bytes += format_with_keys("MGET", generation_keys);
    request.reply_count = 2;
  }
  return request;
}

RedisRequest remaining_ttl_request(std::string_view key) {
  return RedisRequest{format_command({"PTTL", key}), 1};
}

void append(RedisRequest& request, const RedisRequest& more) {
  request.bytes += more.bytes;
  request.reply_count += more.reply_count;
}

RedisRequest put_request(std::string_view key, std::string_view value,
                         std::chrono::milliseconds ttl) {
  const std::string milliseconds = std::to_string(ttl.count());
  return RedisRequest{format_command({"SET", key, value, "PX", milliseconds}), 1};
}

RedisRequest bump_request(std::span<const std::string> generation_keys) {
  RedisRequest request;
  for (const auto& key : generation_keys) request.bytes += format_command({"INCR", key});
  request.reply_count = generation_keys.size();
  return request;
}

RedisRequest generations_request(std::span<const std::string> generation_keys) {
  if (generation_keys.empty()) return RedisRequest{};
  return RedisRequest{format_with_keys("MGET", generation_keys), 1};
}

RedisRequest handshake_request(const RedisOptions& options) {
  RedisRequest request;
  if (options.password) {
    if (options.username && !options.username->empty()) {
      request.bytes += format_command({"AUTH", *options.username, *options.password});
    } else {
      request.bytes += format_command({"AUTH", *options.password});
    }
    ++request.reply_count;
  }
  if (options.db != 0) {
    request.bytes += format_command({"SELECT", std::to_string(options.db)});
    ++request.reply_count;
  }
  return request;
}

std::optional<std::uint64_t> parse_generation(const RedisReply& reply) {
  if (reply.kind == RedisReply::Kind::Nil) return 0;
  if (reply.kind != RedisReply::Kind::String || reply.text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const char* end = reply.text.data() + reply.text.size();
  auto [ptr, ec] = std::from_chars(reply.text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<StoreLookup> read_lookup_replies(std::span<RedisReply> replies,
                                               std::size_t generation_count, std::string& error) {
  if (!check_count(replies, generation_count == 0 ? 1 : 2, error)) return std::nullopt;
  StoreLookup lookup;
  RedisReply& entry = replies[0];
  if (entry.kind == RedisReply::Kind::String) {
    lookup.status = LookupStatus::Hit;
    lookup.value = std::make_shared<const std::string>(std::move(entry.text));
  } else if (entry.kind == RedisReply::Kind::Nil) {
    lookup.status = LookupStatus::Miss;
  } else {
    unexpected(entry, "GET", error);
    return std::nullopt;
  }
  if (generation_count > 0) {
    auto generations = read_mget(replies[1], generation_count, error);
    if (!generations) return std::nullopt;
    lookup.generations = std::move(*generations);
  }
  return lookup;
}

std::optional<std::chrono::milliseconds> read_remaining_ttl(const RedisReply& reply,
                                                            std::string& error) {
  if (reply.kind != RedisReply::Kind::Integer) {
    unexpected(reply, "PTTL", error);
    return std::nullopt;
  }
  if (reply.integer >= 0) return std::chrono::milliseconds(reply.integer);
  if (reply.integer == -1) return std::chrono::milliseconds::max();
  return std::chrono::milliseconds(0);  // -2: no such key
}

bool read_put_reply(std::span<RedisReply> replies, std::string& error) {
  if (!check_count(replies, 1, error)) return false;
  if (is_ok_status(replies[0])) return true;
  unexpected(replies[0], "SET", error);
  return false;
}

bool read_bump_replies(std::span<RedisReply> replies, std::string& error) {
  for (const auto& reply : replies) {
    if (reply.kind != RedisReply::Kind::Integer) {
      unexpected(reply, "INCR", error);
      return false;
    }
  }
  return true;
}

std::optional<std::vector<std::uint64_t>> read_generations_reply(std::span<RedisReply> replies,
                                                                 std::size_t generation_count,
                                                                 std::string& error) {
  if (generation_count == 0) return std::vector<std::uint64_t>{};
  if (!check_count(replies, 1, error)) return std::nullopt;
  return read_mget(replies[0], generation_count, error);
}

bool read_handshake_replies(std::span<RedisReply> replies, const RedisOptions& options,
                            std::string& error) {
  std::size_t next = 0;
  if (options.password) {
    if (next >= replies.size() || !is_ok_status(replies[next])) {
      error = "auth failed";
      if (next < replies.size() && replies[next].kind == RedisReply::Kind::Error) {
        error += ": " + replies[next].text;
      }
      return false;
    }
    ++next;
  }
  if (options.db != 0) {
    if (next >= replies.size() || !is_ok_status(replies[next])) {
      error = "SELECT " + std::to_string(options.db) + " failed";
      if (next < replies.size() && replies[next].kind == RedisReply::Kind::Error) {
        error += ": " + replies[next].text;
      }
      return false;
    }
  }
  return true;
}

}  // namespace sqlcache::cache
