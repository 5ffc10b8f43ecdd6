#pragma once
// One client connection and its own backend connection (design decision 2): the relayed
// handshake and authentication, then every command in order, each response relayed byte for
// byte while the response tracker says where it ends.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "mysql_wire/bytes.hpp"
#include "mysql_wire/response_tracker.hpp"
#include "proxy/asio.hpp"
#include "proxy/packet_channel.hpp"
#include "proxy/session_options.hpp"
#include "proxy/session_state.hpp"

namespace sqlcache::proxy {

class Worker;
class QueryCache;

// Keeps a copy of the response bytes a relay passes on (for the cache), up to `limit` bytes;
// past it `overflowed` is set and the copy is dropped. With `hold`, the bytes are not written
// to the client at all until flush_held() — so that a write's OK reaches the client only
// after its invalidation (read-your-writes). A held relay flushes by itself when the server
// waits for the client (LOCAL INFILE) or when the response outgrows the limit.
struct RelayCapture {
  std::string bytes;
  std::size_t limit = 0;
  bool overflowed = false;
  bool hold = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket client, Worker& worker);
  ~Session();

  // Runs the connection to its end; the session keeps itself alive meanwhile.
  void start();
  // Graceful shutdown: an idle session closes now, a busy one after its current command.
  void request_shutdown();

  // Used by the cache path (proxy/query_cache.cpp).
  PacketChannel& client() { return client_; }
  PacketChannel& backend() { return backend_; }
  const SessionState& state() const { return state_; }
  const SessionOptions& options() const { return options_; }

  SessionState& mutable_state() { return state_; }
  Worker& worker() { return worker_; }

  // Relays the response that `tracker` follows from the backend to the client; false: the
  // connection cannot go on. With a `capture`, the bytes are also kept (see RelayCapture).
  awaitable<bool> relay_response(wire::ResponseTracker& tracker, RelayCapture* capture = nullptr);
  // Sends `command` to the backend and relays its response; `tracker_out` receives what the
  // response said. Updates the session state from the response (status flags, schema, ...).
  awaitable<bool> forward_and_relay(const PacketView& command, wire::ResponseShape shape,
                                    RelayCapture* capture = nullptr,
                                    wire::ResponseTracker* tracker_out = nullptr);
  // Writes bytes a held relay kept back (RelayCapture::hold).
  awaitable<bool> flush_held(RelayCapture& capture);
  // Runs a query of the proxy's own on this session's backend connection, between two client
  // commands; the client sees nothing of it. The whole response lands in `response` (framed
  // packets) unless it grows past `limit`, when it is read to its end and dropped; `warnings`
  // gets the response's warning count. The session's status flags follow the response.
  enum class InternalQuery { Complete, TooLarge, ConnectionLost };
  awaitable<InternalQuery> run_internal_query(std::string_view sql, std::size_t limit,
                                              std::string& response, std::uint16_t& warnings);
  awaitable<bool> send_error(std::uint8_t sequence_id, std::uint16_t code,
                             std::string_view sql_state, std::string_view message);

  // The two coroutines of a session (started by start()).
  awaitable<void> run();
  awaitable<void> watchdog();

 private:
  enum class AuthOutcome { Authenticated, Refused, ConnectionLost };
  // What the session waits for while deadline_ runs: the watchdog closes the connection when
  // it passes, and counts and logs it by phase.
  enum class Phase { Handshake, Idle, Busy, Draining };
  void set_deadline(Phase phase, std::chrono::steady_clock::time_point deadline);

  awaitable<bool> connect_backend();
  // The connection phase (proxy/session_auth.cpp).
  awaitable<bool> relay_handshake();
  awaitable<AuthOutcome> relay_auth(std::uint8_t client_seq, std::uint8_t backend_seq);
  awaitable<bool> send_password_encrypted(const wire::Bytes& cleartext, std::uint8_t& client_seq,
                                          std::uint8_t& backend_seq);
  awaitable<bool> send_password_over_tls(const wire::Bytes& first_answer, std::uint8_t& client_seq,
                                         std::uint8_t& backend_seq);
  awaitable<bool> refuse_cleartext_password(std::uint8_t client_seq);
  awaitable<bool> expect_client_sequence(const PacketView& packet, std::uint8_t expected);
  awaitable<bool> change_user(const PacketView& command);
  // Writes a client's command to the backend and consumes it; on failure the client gets
  // 1158 and false comes back.
  awaitable<bool> send_command(const PacketView& command);
  awaitable<void> command_loop();
  awaitable<bool> handle_command(const PacketView& command);
  // Error 1153 for a client packet over `limit`, then drains what the client still sends.
  awaitable<void> refuse_too_large(std::uint8_t sequence_id, std::size_t limit,
                                   std::string_view limit_name);
  // Picks the coroutine for the command (the cache's, or a plain relay).
  awaitable<bool> dispatch_command(const PacketView& command);
  awaitable<bool> refuse_unsupported(const PacketView& command);
  // COM_QUIT: passed on so the server ends the session cleanly; then the connection ends.
  awaitable<bool> quit(const PacketView& command);
  void after_response(std::uint8_t command, wire::ByteView payload,
                      const wire::ResponseTracker& tracker);
  void close_all();

  Worker& worker_;
  SessionOptions options_;
  PacketChannel client_;
  PacketChannel backend_;
  SessionState state_;
  asio::steady_timer watchdog_timer_;
  Phase phase_ = Phase::Handshake;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point armed_at_ = std::chrono::steady_clock::time_point::max();
  bool waiting_for_client_ = false;
  bool draining_ = false;
  bool closed_ = false;
  std::string peer_;
  // The authentication in progress: its plugin and the nonce it uses (the greeting's, or the
  // last auth switch request's).
  std::string auth_plugin_;
  std::string auth_nonce_;
};

}  // namespace sqlcache::proxy
