#pragma once
// One connection to Redis, pipelined: any number of coroutines on the connection's io_context
// may call execute() at once. Requests are written in call order (a writer coroutine sends
// whatever has queued up in one write) and replies are matched first-in first-out by a single
// reader coroutine, which is all RESP2 needs: the server answers in order.
//
// Failure rules (design.md decision 7, fail open):
//  - every call has a deadline (command_timeout); when it passes the caller gets Timeout (one
//    timer per connection watches the oldest call's);
//  - a call that timed out after its commands were written poisons the connection (its reply
//    may still come and would be matched to the next call), so the connection is dropped and
//    every call pending on it fails;
//  - any I/O error or protocol error drops the connection the same way;
//  - nothing reconnects in the background: the next call opens a new connection (TCP, TLS,
//    AUTH, SELECT, bounded by connect_timeout).
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_commands.hpp"
#include "cache/redis_options.hpp"
#include "cache/redis_stats.hpp"
#include "cache/redis_stream.hpp"
#include "proxy/asio.hpp"

namespace sqlcache::cache {

enum class RedisFailure {
  None,
  Timeout,         // no complete reply within command_timeout
  ConnectFailed,   // resolve, TCP connect or TLS handshake failed or took too long
  AuthFailed,      // AUTH or SELECT refused
  ConnectionLost,  // read or write error, or the server closed the connection
  ProtocolError,   // bytes that are not RESP, or a reply nobody asked for
  Closed,          // close() was called
  CircuitOpen,     // refused by the store's circuit breaker; nothing was sent
};

std::string_view to_string(RedisFailure failure);

struct RedisResult {
  RedisFailure failure = RedisFailure::None;
  std::string reason;               // for the log, when failure != None
  std::vector<RedisReply> replies;  // one per command, when failure == None
  bool ok() const { return failure == RedisFailure::None; }
};

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  // tls == nullptr: plain TCP. The stats are shared with the store that owns the connection.
  RedisConnection(asio::any_io_executor executor, RedisOptions options,
                  std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<StoreStats> stats);
  ~RedisConnection();

  // Sends the request's commands behind everything already queued on this connection and
  // waits for all their replies (or the deadline). Connects first when there is no connection.
  // Never throws for I/O or server failures: they come back in the result.
  awaitable<RedisResult> execute(RedisRequest request);

  // Drops the connection and fails every pending call (RedisFailure::Closed). Idempotent.
  void close(std::string_view reason = "connection closed by the store");

  bool connected() const;
  std::size_t pending_calls() const;

 private:
  struct Pending;
  struct Link;

  void open_link();
  static awaitable<void> connect_and_run(std::shared_ptr<RedisConnection> self,
                                         std::shared_ptr<Link> link);
  awaitable<RedisResult> establish(std::shared_ptr<Link> link);
  static awaitable<void> read_replies(std::shared_ptr<RedisConnection> self,
                                      std::shared_ptr<Link> link);
  awaitable<void> write_requests(std::shared_ptr<Link> link);
  static awaitable<void> watch_deadlines(std::shared_ptr<RedisConnection> self);
  std::shared_ptr<Pending> oldest_pending() const;
  void give_up_on(const std::shared_ptr<Pending>& pending);
  void fail_link(const std::shared_ptr<Link>& link, RedisFailure failure, std::string reason);
  static void finish(Pending& pending, RedisFailure failure, std::string reason);

  asio::any_io_executor executor_;
  RedisOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::shared_ptr<StoreStats> stats_;
  std::shared_ptr<Link> link_;                   // null: not connected
  std::deque<std::shared_ptr<Pending>> outbox_;  // queued, not yet written
  bool had_link_ = false;
  asio::steady_timer deadline_timer_;  // the oldest pending call's deadline (watch_deadlines)
  bool watching_deadlines_ = false;
};

}  // namespace sqlcache::cache
