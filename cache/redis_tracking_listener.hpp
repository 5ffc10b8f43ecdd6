#pragma once
// The near cache's listener: one connection to Redis, per proxy, that keeps client tracking
// on for the generation keys and hands every invalidation to the NearCache
// (cache/redis_tracking.hpp has the commands). While it is connected and subscribed the near
// cache may answer; when the connection fails, times out on its heartbeat or is refused, the
// near cache forgets everything and answers nothing until a reconnect (every second) succeeds.
//
// Heartbeat: a PING every kHeartbeat. Its PONG comes after every invalidation Redis sent
// before it, so each PONG renews the near cache's lease until the PING's send time plus
// kHeartbeat plus command_timeout; a connection that goes silent stops the answers when that
// lease ends, and is dropped once no PONG came for as long.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cache/near_cache.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_stream.hpp"
#include "proxy/asio.hpp"

namespace sqlcache::cache {

class RedisTrackingListener : public std::enable_shared_from_this<RedisTrackingListener> {
 public:
  // "up" when subscribed, "down" with the reason when a subscribed connection ends or a
  // connect attempt fails after it was up (repeated failures are reported once).
  using EventSink = std::function<void(std::string_view event, std::string_view reason)>;
  // How often the connection is checked with a PING; a PING unanswered for this long plus the
  // command timeout drops the connection (a silently dead link must not keep the near cache on).
  static constexpr std::chrono::milliseconds kHeartbeat{250};
  static constexpr std::chrono::milliseconds kReconnectDelay{1000};

  // Throws only for an unreadable TLS ca_file (a startup configuration error).
  RedisTrackingListener(asio::any_io_executor executor, RedisOptions options,
                        std::string generation_prefix, std::shared_ptr<NearCache> near_cache,
                        EventSink events);
  void start();
  // Ends the connection for good; the near cache stops answering at once.
  void stop();

 private:
  static awaitable<void> run(std::shared_ptr<RedisTrackingListener> self);
  // One connection's life; returns why it ended. `subscribed` tells whether it got that far.
  awaitable<std::string> serve_one_connection(bool& subscribed);
  static awaitable<void> heartbeat(std::shared_ptr<RedisTrackingListener> self,
                                   std::shared_ptr<RedisStream> stream,
                                   std::shared_ptr<bool> alive);
  std::chrono::milliseconds lease() const { return kHeartbeat + options_.command_timeout; }

  asio::any_io_executor executor_;
  RedisOptions options_;
  std::string generation_prefix_;
  std::shared_ptr<NearCache> near_cache_;
  EventSink events_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::shared_ptr<RedisStream> stream_;  // the current connection, to close it on stop()
  asio::steady_timer retry_timer_;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point last_pong_;
  std::deque<std::chrono::steady_clock::time_point> pings_sent_;  // awaiting their PONG
  std::string heartbeat_failure_;  // why the heartbeat closed the connection
};

}  // namespace sqlcache::cache
