#pragma once
// The commands of the near cache's listener connection and how their replies read (pure; the
// connection is cache/redis_tracking_listener.hpp). Redis 6 client tracking in broadcast mode,
// over RESP2: the connection asks for its own id, turns tracking on for every key under the
// generation prefix with itself as the receiver of the invalidation messages, and subscribes
// to them:
//
//   CLIENT ID
//   CLIENT TRACKING on REDIRECT <id> BCAST PREFIX <key_prefix>gen:
//   SUBSCRIBE __redis__:invalidate
//
// Redis then publishes ["message", "__redis__:invalidate", [key, ...]] whenever a key under
// the prefix changes (written, expired, evicted, deleted), and a nil instead of the keys when
// the database is flushed. A subscribed RESP2 connection answers PING with ["pong", ""].
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_commands.hpp"

namespace sqlcache::cache {

inline constexpr std::string_view kInvalidationChannel = "__redis__:invalidate";

RedisRequest client_id_request();
// The connection's id, or nullopt with `error` set.
std::optional<long long> read_client_id_reply(std::span<RedisReply> replies, std::string& error);

// CLIENT TRACKING ... and SUBSCRIBE, two replies.
RedisRequest tracking_request(long long client_id, std::string_view prefix);
bool read_tracking_replies(std::span<RedisReply> replies, std::string& error);

RedisRequest tracking_ping_request();

struct TrackingMessage {
  enum class Kind {
    Invalidate,     // `keys` changed
    InvalidateAll,  // every key may have changed (FLUSHALL, FLUSHDB)
    Pong,           // the answer to a PING
    Unexpected,     // anything else: the connection cannot be trusted any more
  };
  Kind kind = Kind::Unexpected;
  std::vector<std::string> keys;
};

TrackingMessage read_tracking_message(RedisReply& reply);

}  // namespace sqlcache::cache
