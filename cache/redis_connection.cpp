#include "cache/redis_connection.hpp"

#include <algorithm>

namespace sqlcache::cache {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

std::string milliseconds_text(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

}  // namespace

std::string_view to_string(RedisFailure failure) {
  switch (failure) {
    case RedisFailure::None:
      return "none";
    case RedisFailure::Timeout:
      return "timeout";
    case RedisFailure::ConnectFailed:
      return "connect_failed";
    case RedisFailure::AuthFailed:
      return "auth_failed";
    case RedisFailure::ConnectionLost:
      return "connection_lost";
    case RedisFailure::ProtocolError:
      return "protocol_error";
    case RedisFailure::Closed:
      return "closed";
    case RedisFailure::CircuitOpen:
      return "circuit_open";
  }
  return "unknown";
}

// One call: its commands, the replies gathered so far, and its outcome. The caller sleeps on
// `wakeup` (armed at the end of time, so arming it costs no timer system call), cancelled as
// soon as the outcome is known; the connection's deadline watcher gives up on it when
// `deadline` passes.
struct RedisConnection::Pending {
  Pending(asio::any_io_executor executor, RedisRequest request,
          std::chrono::steady_clock::time_point deadline)
      : request(std::move(request)), deadline(deadline), wakeup(executor) {
    wakeup.expires_at(std::chrono::steady_clock::time_point::max());
  }
  RedisRequest request;
  std::chrono::steady_clock::time_point deadline;
  std::vector<RedisReply> replies;
  bool written = false;
  bool done = false;
  RedisFailure failure = RedisFailure::None;
  std::string reason;
  asio::steady_timer wakeup;
};

// One TCP (or TLS) connection's life, from connect to close. A new Link is made for every
// reconnect, so coroutines of a dead link can never touch its successor.
struct RedisConnection::Link {
  Link(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls)
      : stream(executor, std::move(tls)),
        resolver(executor),
        connect_watchdog(executor),
        writer_wakeup(executor) {}
  RedisStream stream;
  tcp::resolver resolver;
  asio::steady_timer connect_watchdog;
  asio::steady_timer writer_wakeup;
  ReplyParser parser;
  std::deque<std::shared_ptr<Pending>> awaiting_reply;  // written, in order
  bool open = true;
  bool ready = false;  // connected, authenticated, database selected
  bool connect_timed_out = false;
};

RedisConnection::RedisConnection(asio::any_io_executor executor, RedisOptions options,
                                 std::shared_ptr<asio::ssl::context> tls,
                                 std::shared_ptr<StoreStats> stats)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      tls_(std::move(tls)),
      stats_(std::move(stats)),
      deadline_timer_(executor_) {}

RedisConnection::~RedisConnection() = default;

bool RedisConnection::connected() const { return link_ != nullptr && link_->ready; }

std::size_t RedisConnection::pending_calls() const {
  return outbox_.size() + (link_ ? link_->awaiting_reply.size() : 0);
}

awaitable<RedisResult> RedisConnection::execute(RedisRequest request) {
  if (request.reply_count == 0) co_return RedisResult{};
  // Keeps the connection alive while this call is suspended, whatever its owner does.
  auto self = shared_from_this();
  auto pending = std::make_shared<Pending>(
      executor_, std::move(request), std::chrono::steady_clock::now() + options_.command_timeout);
  outbox_.push_back(pending);
  if (!watching_deadlines_) {
    watching_deadlines_ = true;
    asio::co_spawn(executor_, watch_deadlines(self), asio::detached);
  }
  if (!link_) {
    open_link();
  } else if (link_->ready) {
    link_->writer_wakeup.cancel();
  }
  if (!pending->done) {
    error_code ec;
    co_await pending->wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!pending->done) give_up_on(pending);
  co_return RedisResult{pending->failure, std::move(pending->reason), std::move(pending->replies)};
}

// One timer per connection rather than one per call: re-arming a timer that becomes the
// earliest costs a system call, and under load that was one per cache lookup. Every call has
// the same timeout, so the oldest pending call has the earliest deadline; the watcher sleeps
// until it, gives up on what is overdue, and ends when nothing is pending (execute() starts it
// again).
awaitable<void> RedisConnection::watch_deadlines(std::shared_ptr<RedisConnection> self) {
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    std::shared_ptr<Pending> oldest = self->oldest_pending();
    while (oldest && oldest->deadline <= now) {
      self->give_up_on(oldest);
      oldest = self->oldest_pending();
    }
    if (!oldest) break;
    self->deadline_timer_.expires_at(oldest->deadline);
    error_code ignored;
    co_await self->deadline_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  self->watching_deadlines_ = false;
}

std::shared_ptr<RedisConnection::Pending> RedisConnection::oldest_pending() const {
  // Calls are written in call order, so every written call is older than every queued one.
  if (link_ && !link_->awaiting_reply.empty()) return link_->awaiting_reply.front();
  if (!outbox_.empty()) return outbox_.front();
  return nullptr;
}

void RedisConnection::give_up_on(const std::shared_ptr<Pending>& pending) {
  stats_->timeouts.fetch_add(1, std::memory_order_relaxed);
  std::string reason = "no reply within " + milliseconds_text(options_.command_timeout);
  if (pending->written) {
    // Its reply may still arrive and would be taken for the next call's: the connection cannot
    // be trusted any more. (A written, unfinished call always belongs to the current link.)
    if (link_) fail_link(link_, RedisFailure::Timeout, reason);
  } else {
    auto it = std::find(outbox_.begin(), outbox_.end(), pending);
    if (it != outbox_.end()) outbox_.erase(it);
  }
  finish(*pending, RedisFailure::Timeout, std::move(reason));
}

void RedisConnection::finish(Pending& pending, RedisFailure failure, std::string reason) {
  if (pending.done) return;
  pending.done = true;
  pending.failure = failure;
  pending.reason = std::move(reason);
  if (failure != RedisFailure::None) pending.replies.clear();
  pending.wakeup.cancel();
}

void RedisConnection::open_link() {
  if (had_link_) stats_->reconnects.fetch_add(1, std::memory_order_relaxed);
  had_link_ = true;
  link_ = std::make_shared<Link>(executor_, tls_);
  asio::co_spawn(executor_, connect_and_run(shared_from_this(), link_), asio::detached);
}

void RedisConnection::close(std::string_view reason) {
  if (link_) fail_link(link_, RedisFailure::Closed, std::string(reason));
  deadline_timer_.cancel();  // nothing is pending now: let the watcher end
}

void RedisConnection::fail_link(const std::shared_ptr<Link>& link, RedisFailure failure,
                                std::string reason) {
  if (!link->open) return;
  link->open = false;
  link->stream.close();
  link->resolver.cancel();
  link->connect_watchdog.cancel();
  link->writer_wakeup.cancel();
  auto awaiting = std::move(link->awaiting_reply);
  link->awaiting_reply.clear();
  for (auto& pending : awaiting) finish(*pending, failure, reason);
  if (link_ == link) {
    link_.reset();
    // Calls queued for this connection fail with it rather than wait for a reconnect that
    // only a later call will start.
    auto outbox = std::move(outbox_);
    outbox_.clear();
    for (auto& pending : outbox) finish(*pending, failure, reason);
  }
}

awaitable<void> RedisConnection::connect_and_run(std::shared_ptr<RedisConnection> self,
                                                 std::shared_ptr<Link> link) {
  RedisResult established = co_await self->establish(link);
  if (!link->open) co_return;  // closed while connecting; its calls have been failed
  if (!established.ok()) {
    self->fail_link(link, established.failure, std::move(established.reason));
    co_return;
  }
  link->ready = true;
  asio::co_spawn(self->executor_, read_replies(self, link), asio::detached);
  co_await self->write_requests(link);
}

awaitable<RedisResult> RedisConnection::establish(std::shared_ptr<Link> link) {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  link->connect_watchdog.expires_after(options_.connect_timeout);
  link->connect_watchdog.async_wait([link](error_code ec) {
    if (ec || !link->open || link->ready) return;
    link->connect_timed_out = true;
    link->resolver.cancel();
    link->stream.close();
  });
  auto fail = [&](RedisFailure failure, std::string reason) {
    link->connect_watchdog.cancel();
    if (link->connect_timed_out) {
      return RedisResult{
          RedisFailure::ConnectFailed,
          "connect to " + where + " timed out after " + milliseconds_text(options_.connect_timeout),
          {}};
    }
    return RedisResult{failure, std::move(reason), {}};
  };

  error_code ec;
  auto endpoints = co_await link->resolver.async_resolve(
      options_.host, std::to_string(options_.port), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(RedisFailure::ConnectFailed, "resolve " + where + ": " + ec.message());

  const std::string& server_name =
      options_.server_name.empty() ? options_.host : options_.server_name;
  ec = co_await link->stream.connect(endpoints, server_name);
  if (ec) co_return fail(RedisFailure::ConnectFailed, "connect to " + where + ": " + ec.message());

  RedisRequest handshake = handshake_request(options_);
  if (handshake.reply_count > 0) {
    std::vector<asio::const_buffer> buffers{asio::buffer(handshake.bytes)};
    co_await link->stream.write(buffers, ec);
    if (ec) co_return fail(RedisFailure::ConnectFailed, "handshake write: " + ec.message());
    std::vector<RedisReply> replies;
    std::vector<char> buffer(4096);
    while (replies.size() < handshake.reply_count) {
      auto outcome = link->parser.next();
      if (outcome.status == ReplyParser::Status::Reply) {
        replies.push_back(std::move(outcome.reply));
        continue;
      }
      if (outcome.status == ReplyParser::Status::ProtocolError) {
        co_return fail(RedisFailure::ProtocolError, "handshake: " + outcome.error);
      }
      const std::size_t n = co_await link->stream.read_some(asio::buffer(buffer), ec);
      if (ec) co_return fail(RedisFailure::ConnectFailed, "handshake read: " + ec.message());
      link->parser.feed(std::string_view(buffer.data(), n));
    }
    std::string error;
    if (!read_handshake_replies(replies, options_, error)) {
      co_return fail(RedisFailure::AuthFailed, std::move(error));
    }
  }
  link->connect_watchdog.cancel();
  if (link->connect_timed_out) co_return fail(RedisFailure::ConnectFailed, {});
  co_return RedisResult{};
}

awaitable<void> RedisConnection::read_replies(std::shared_ptr<RedisConnection> self,
                                              std::shared_ptr<Link> link) {
  std::vector<char> buffer(kReadChunk);
  while (link->open) {
    error_code ec;
    const std::size_t n = co_await link->stream.read_some(asio::buffer(buffer), ec);
    if (!link->open) co_return;
    if (ec) {
      self->fail_link(
          link, RedisFailure::ConnectionLost,
          ec == asio::error::eof ? "server closed the connection" : "read: " + ec.message());
      co_return;
    }
    link->parser.feed(std::string_view(buffer.data(), n));
    for (;;) {
      auto outcome = link->parser.next();
      if (outcome.status == ReplyParser::Status::NeedMore) break;
      if (outcome.status == ReplyParser::Status::ProtocolError) {
        self->fail_link(link, RedisFailure::ProtocolError, "protocol error: " + outcome.error);
        co_return;
      }
      if (link->awaiting_reply.empty()) {
        self->fail_link(link, RedisFailure::ProtocolError, "reply without a request");
        co_return;
      }
      std::shared_ptr<Pending> front = link->awaiting_reply.front();
      front->replies.push_back(std::move(outcome.reply));
      if (front->replies.size() == front->request.reply_count) {
        link->awaiting_reply.pop_front();
        finish(*front, RedisFailure::None, {});
      }
    }
  }
}

awaitable<void> RedisConnection::write_requests(std::shared_ptr<Link> link) {
  std::vector<std::shared_ptr<Pending>> batch;
  std::vector<asio::const_buffer> buffers;
  while (link->open) {
    if (outbox_.empty()) {
      link->writer_wakeup.expires_at(asio::steady_timer::time_point::max());
      error_code ignored;
      co_await link->writer_wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    // Everything queued goes out in one write: that is where pipelining saves round trips.
    batch.assign(outbox_.begin(), outbox_.end());
    outbox_.clear();
    buffers.clear();
    for (auto& pending : batch) {
      pending->written = true;
      link->awaiting_reply.push_back(pending);
      buffers.push_back(asio::buffer(pending->request.bytes));
    }
    error_code ec;
    co_await link->stream.write(buffers, ec);  // `batch` keeps the bytes alive meanwhile
    batch.clear();
    if (ec) fail_link(link, RedisFailure::ConnectionLost, "write: " + ec.message());
  }
}

}  // namespace sqlcache::cache
