#include "cache/redis_tracking.hpp"

#include <utility>

namespace sqlcache::cache {

namespace {

bool is_ok(const RedisReply& reply) {
  return reply.kind == RedisReply::Kind::Status && reply.text == "OK";
}

std::string describe(const RedisReply& reply) {
  if (reply.kind == RedisReply::Kind::Error) return reply.text;
  return "unexpected " + std::string(to_string(reply.kind)) + " reply";
}

}  // namespace

RedisRequest client_id_request() { return RedisRequest{format_command({"CLIENT", "ID"}), 1}; }

std::optional<long long> read_client_id_reply(std::span<RedisReply> replies, std::string& error) {
  if (replies.size() != 1 || replies[0].kind != RedisReply::Kind::Integer) {
    error = "CLIENT ID failed";
    if (replies.size() == 1) error += ": " + describe(replies[0]);
    return std::nullopt;
  }
  return replies[0].integer;
}

RedisRequest tracking_request(long long client_id, std::string_view prefix) {
  const std::string id = std::to_string(client_id);
  std::string bytes =
      format_command({"CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", prefix});
  bytes += format_command({"SUBSCRIBE", kInvalidationChannel});
  return RedisRequest{std::move(bytes), 2};
}

bool read_tracking_replies(std::span<RedisReply> replies, std::string& error) {
  if (replies.size() != 2) {
    error = "client tracking: expected two replies";
    return false;
  }
  if (!is_ok(replies[0])) {
    error = "CLIENT TRACKING failed (needs Redis 6 or later): " + describe(replies[0]);
    return false;
  }
  const RedisReply& subscribed = replies[1];
  if (subscribed.kind != RedisReply::Kind::Array || subscribed.elements.size() != 3 ||
      subscribed.elements[0].text != "subscribe" ||
      subscribed.elements[1].text != kInvalidationChannel) {
    error = "SUBSCRIBE " + std::string(kInvalidationChannel) + " failed: " + describe(subscribed);
    return false;
  }
  return true;
}

RedisRequest tracking_ping_request() { return RedisRequest{format_command({"PING"}), 1}; }

TrackingMessage read_tracking_message(RedisReply& reply) {
  TrackingMessage message;
  if (reply.kind != RedisReply::Kind::Array || reply.elements.empty()) return message;
  std::vector<RedisReply>& parts = reply.elements;
  if (parts.size() == 2 && parts[0].kind == RedisReply::Kind::String && parts[0].text == "pong") {
    message.kind = TrackingMessage::Kind::Pong;
    return message;
  }
  if (parts.size() != 3 || parts[0].text != "message" || parts[1].text != kInvalidationChannel) {
    return message;
  }
  if (parts[2].kind == RedisReply::Kind::Nil) {
    message.kind = TrackingMessage::Kind::InvalidateAll;
    return message;
  }
  if (parts[2].kind != RedisReply::Kind::Array) return message;
  for (RedisReply& key : parts[2].elements) {
    if (key.kind != RedisReply::Kind::String) {
      message.keys.clear();
      return message;
    }
    message.keys.push_back(std::move(key.text));
  }
  message.kind = TrackingMessage::Kind::Invalidate;
  return message;
}

}  // namespace sqlcache::cache
