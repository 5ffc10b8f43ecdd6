#include "cache/redis_tracking_listener.hpp"

#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_commands.hpp"
#include "cache/redis_tracking.hpp"

namespace sqlcache::cache {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

// Reads until `count` replies are complete. Returns false with `error` set on failure.
awaitable<bool> read_replies(RedisStream& stream, ReplyParser& parser, std::vector<char>& buffer,
                             std::size_t count, std::vector<RedisReply>& replies,
                             std::string& error) {
  while (replies.size() < count) {
    auto outcome = parser.next();
    if (outcome.status == ReplyParser::Status::Reply) {
      replies.push_back(std::move(outcome.reply));
      continue;
    }
    if (outcome.status == ReplyParser::Status::ProtocolError) {
      error = "protocol error: " + outcome.error;
      co_return false;
    }
    error_code ec;
    const std::size_t n = co_await stream.read_some(asio::buffer(buffer), ec);
    if (ec) {
      error = ec == asio::error::eof ? "server closed the connection" : "read: " + ec.message();
      co_return false;
    }
    parser.feed(std::string_view(buffer.data(), n));
  }
  co_return true;
}

awaitable<bool> write_request(RedisStream& stream, const RedisRequest& request,
                              std::string& error) {
  error_code ec;
  std::vector<asio::const_buffer> buffers{asio::buffer(request.bytes)};
  co_await stream.write(buffers, ec);
  if (ec) error = "write: " + ec.message();
  co_return !ec;
}

}  // namespace

RedisTrackingListener::RedisTrackingListener(asio::any_io_executor executor, RedisOptions options,
                                             std::string generation_prefix,
                                             std::shared_ptr<NearCache> near_cache,
                                             EventSink events)
    : executor_(executor),
      options_(std::move(options)),
      generation_prefix_(std::move(generation_prefix)),
      near_cache_(std::move(near_cache)),
      events_(std::move(events)),
      retry_timer_(executor) {
  if (options_.tls) tls_ = make_redis_tls_context(options_);
}

void RedisTrackingListener::start() {
  asio::co_spawn(executor_, run(shared_from_this()), asio::detached);
}

void RedisTrackingListener::stop() {
  // At once, from any thread: the event loop may already be stopped.
  near_cache_->tracking_down();
  asio::post(executor_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->retry_timer_.cancel();
    if (self->stream_) self->stream_->close();
    self->near_cache_->tracking_down();
  });
}

awaitable<void> RedisTrackingListener::run(std::shared_ptr<RedisTrackingListener> self) {
  bool down_reported = false;
  while (!self->stopped_) {
    bool subscribed = false;
    std::string reason;
    try {
      reason = co_await self->serve_one_connection(subscribed);
    } catch (const std::exception& e) {
      // Only resource exhaustion gets here; the near cache must not stay on without a listener.
      reason = e.what();
    }
    self->near_cache_->tracking_down();
    if (self->stopped_) break;
    // A connection that was up ending is news; so is the first failure in a row.
    if (subscribed) down_reported = false;
    if (!down_reported && self->events_) self->events_("down", reason);
    down_reported = true;
    self->retry_timer_.expires_after(kReconnectDelay);
    error_code ec;
    co_await self->retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

awaitable<std::string> RedisTrackingListener::serve_one_connection(bool& subscribed) {
  auto stream = std::make_shared<RedisStream>(executor_, tls_);
  stream_ = stream;
  ReplyParser parser;
  std::vector<char> buffer(kReadChunk);
  const std::string where = options_.host + ":" + std::to_string(options_.port);

  // The connect, the handshake and the subscription together get connect_timeout.
  asio::steady_timer watchdog(executor_);
  auto setup_done = std::make_shared<bool>(false);
  auto resolver = std::make_shared<tcp::resolver>(executor_);
  watchdog.expires_after(options_.connect_timeout);
  watchdog.async_wait([stream, resolver, setup_done](error_code ec) {
    if (ec || *setup_done) return;
    resolver->cancel();
    stream->close();
  });

  std::string error;
  error_code ec;
  auto endpoints = co_await resolver->async_resolve(options_.host, std::to_string(options_.port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "resolve " + where + ": " + ec.message();
  const std::string& server_name =
      options_.server_name.empty() ? options_.host : options_.server_name;
  ec = co_await stream->connect(endpoints, server_name);
  if (ec) co_return "connect to " + where + ": " + ec.message();

  RedisRequest first = handshake_request(options_);
  const std::size_t handshake_replies = first.reply_count;
  RedisRequest id_request = client_id_request();
  first.bytes += id_request.bytes;
  first.reply_count += id_request.reply_count;
  std::vector<RedisReply> replies;
  if (!co_await write_request(*stream, first, error)) co_return error;
  if (!co_await read_replies(*stream, parser, buffer, first.reply_count, replies, error))
    co_return error;
  std::span<RedisReply> all(replies);
  if (!read_handshake_replies(all.first(handshake_replies), options_, error)) co_return error;
  const std::optional<long long> id = read_client_id_reply(all.subspan(handshake_replies), error);
  if (!id) co_return error;

  const RedisRequest tracking = tracking_request(*id, generation_prefix_);
  replies.clear();
  if (!co_await write_request(*stream, tracking, error)) co_return error;
  if (!co_await read_replies(*stream, parser, buffer, tracking.reply_count, replies, error)) {
    co_return error;
  }
  if (!read_tracking_replies(replies, error)) co_return error;
  *setup_done = true;
  watchdog.cancel();
  if (stopped_) co_return "stopped";

  subscribed = true;
  last_pong_ = std::chrono::steady_clock::now();
  pings_sent_.clear();
  heartbeat_failure_.clear();
  near_cache_->tracking_up(last_pong_ + lease());
  if (events_) events_("up", {});
  auto alive = std::make_shared<bool>(true);
  asio::co_spawn(executor_, heartbeat(shared_from_this(), stream, alive), asio::detached);

  std::string reason;
  for (;;) {
    replies.clear();
    if (!co_await read_replies(*stream, parser, buffer, 1, replies, reason)) break;
    TrackingMessage message = read_tracking_message(replies.front());
    if (message.kind == TrackingMessage::Kind::Invalidate) {
      for (const std::string& key : message.keys) near_cache_->invalidate(key);
    } else if (message.kind == TrackingMessage::Kind::InvalidateAll) {
      near_cache_->invalidate_all();
    } else if (message.kind == TrackingMessage::Kind::Pong && !pings_sent_.empty()) {
      // Every invalidation sent before that PING has been applied by now.
      near_cache_->extend_lease(pings_sent_.front() + lease());
      pings_sent_.pop_front();
      last_pong_ = std::chrono::steady_clock::now();
    } else {
      reason = "unexpected message on the invalidation connection";
      break;
    }
  }
  *alive = false;
  stream->close();
  if (!heartbeat_failure_.empty()) reason = heartbeat_failure_;
  co_return reason;
}

awaitable<void> RedisTrackingListener::heartbeat(std::shared_ptr<RedisTrackingListener> self,
                                                 std::shared_ptr<RedisStream> stream,
                                                 std::shared_ptr<bool> alive) {
  try {
    asio::steady_timer timer(self->executor_);
    const RedisRequest ping = tracking_ping_request();
    while (*alive) {
      timer.expires_after(kHeartbeat);
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive) co_return;
      const auto now = std::chrono::steady_clock::now();
      if (now - self->last_pong_ > self->lease()) {
        // The read loop then fails and reports the connection down with this reason.
        self->heartbeat_failure_ =
            "no answer to PING for " + std::to_string(self->lease().count()) + " ms";
        stream->close();
        co_return;
      }
      self->pings_sent_.push_back(now);
      std::string error;
      if (!co_await write_request(*stream, ping, error)) {
        if (*alive) self->heartbeat_failure_ = "PING " + error;
        stream->close();
        co_return;
      }
    }
  } catch (const std::exception& e) {
    // A heartbeat that cannot go on must not leave the connection trusted.
    if (*alive) self->heartbeat_failure_ = std::string("heartbeat: ") + e.what();
    stream->close();
  }
}

}  // namespace sqlcache::cache
