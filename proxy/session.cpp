#include "proxy/session.hpp"

#include <random>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/handshake.hpp"
#include "proxy/backend_connector.hpp"
#include "proxy/error_codes.hpp"
#include "proxy/log.hpp"
#include "proxy/query_cache.hpp"
#include "proxy/worker.hpp"

namespace sqlcache::proxy {

namespace {

constexpr std::size_t kClientBufferSize = 4 * 1024;
constexpr std::size_t kBackendBufferSize = 16 * 1024;
// How long a refused client may go on sending the packet it was refused for (see
// refuse_too_large).
constexpr std::chrono::seconds kDrainTime{5};

std::string endpoint_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

Session::Session(tcp::socket client, Worker& worker)
    : worker_(worker),
      options_(worker.session_options()),
      client_(std::move(client), kClientBufferSize),
      backend_(tcp::socket(worker.context()), kBackendBufferSize),
      watchdog_timer_(worker.context()) {
  peer_ = endpoint_text(client_.socket());
  thread_local std::mt19937_64 random{std::random_device{}()};
  state_.nonce = random();
  tune_socket(client_.socket());
  worker_.register_session(this);
}

Session::~Session() { worker_.unregister_session(this); }

namespace {
// The shared_ptr is a coroutine parameter, so the frame keeps the session alive. (A capturing
// lambda coroutine would not: its captures die with the lambda object.)
awaitable<void> keep_alive(std::shared_ptr<Session> self, awaitable<void> (Session::*body)()) {
  co_await ((*self).*body)();
}
}  // namespace

void Session::start() {
  asio::co_spawn(worker_.context(), keep_alive(shared_from_this(), &Session::run), asio::detached);
  asio::co_spawn(worker_.context(), keep_alive(shared_from_this(), &Session::watchdog),
                 asio::detached);
}

void Session::request_shutdown() {
  draining_ = true;
  if (waiting_for_client_) close_all();
}

void Session::close_all() {
  if (closed_) return;
  closed_ = true;
  client_.close();
  backend_.close();
  watchdog_timer_.cancel();
}

// Closes the connection when the handshake or an idle wait outlives its deadline. The timer
// sleeps until the deadline it last saw; a later deadline is picked up when it wakes, an earlier
// one wakes it (set_deadline).
awaitable<void> Session::watchdog() {
  while (!closed_) {
    armed_at_ = deadline_;
    watchdog_timer_.expires_at(armed_at_);
    boost::system::error_code ec;
    co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    if (deadline_ <= std::chrono::steady_clock::now()) {
      if (phase_ == Phase::Handshake) {
        worker_.metrics().client_handshake_timeouts++;
        log_event(LogLevel::info, "proxy", "client_timeout",
                  {{"client", peer_}, {"phase", "handshake"}});
      } else if (phase_ == Phase::Idle) {
        worker_.metrics().client_idle_timeouts++;
        log_event(LogLevel::info, "proxy", "client_timeout",
                  {{"client", peer_}, {"phase", "idle"}, {"user", state_.user}});
      }
      close_all();
    }
  }
}

void Session::set_deadline(Phase phase, std::chrono::steady_clock::time_point deadline) {
  phase_ = phase;
  deadline_ = deadline;
  // Only an earlier deadline needs the sleeping watchdog woken: usually the new deadline is
  // later (the next idle wait), and the watchdog finds it when its current sleep ends. So a
  // busy session does not touch the timer on every command.
  if (deadline < armed_at_) watchdog_timer_.cancel();
}

awaitable<void> Session::run() {
  // One deadline for the whole login, from accept: bytes trickling in do not extend it.
  set_deadline(Phase::Handshake, std::chrono::steady_clock::now() + options_.handshake_timeout);
  // (Separate statements: GCC 12 miscompiles co_await inside && chains.)
  bool ok = co_await connect_backend();
  if (ok) ok = co_await relay_handshake();
  if (ok) co_await command_loop();
  close_all();
}

awaitable<bool> Session::send_error(std::uint8_t sequence_id, std::uint16_t code,
                                    std::string_view sql_state, std::string_view message) {
  const wire::Bytes packet = wire::framed(wire::encode_err(code, sql_state, message), sequence_id);
  const auto error = co_await client_.write(packet);
  co_return !error;
}

awaitable<bool> Session::connect_backend() {
  auto result = co_await connect_with_timeout(options_.backend, options_.connect_timeout);
  if (result.error) {
    worker_.metrics().backend_errors++;
    log_event(LogLevel::warn, "proxy", "backend_connect_failed",
              {{"backend", options_.backend.host + ":" + std::to_string(options_.backend.port)},
               {"reason", result.error.message()}});
    co_await send_error(0, kErBackendUnreachable, "08S01",
                        "sqlcache: cannot connect to the backend database at " +
                            options_.backend.host + ":" + std::to_string(options_.backend.port) +
                            " (" + result.error.message() + ")");
    co_return false;
  }
  backend_.socket() = std::move(result.socket);
  co_return true;
}

awaitable<void> Session::command_loop() {
  while (!draining_) {
    waiting_for_client_ = true;
    set_deadline(Phase::Idle, options_.idle_timeout.count() > 0
                                  ? std::chrono::steady_clock::now() + options_.idle_timeout
                                  : std::chrono::steady_clock::time_point::max());
    PacketView command;
    ReadError error = co_await client_.read_packet(command, options_.max_packet_size);
    waiting_for_client_ = false;
    set_deadline(Phase::Busy, std::chrono::steady_clock::time_point::max());
    if (error == ReadError::Closed) co_return;
    if (error == ReadError::TooLarge) {
      co_await refuse_too_large(1, options_.max_packet_size, "max_packet_size");
      co_return;
    }
    if (error == ReadError::BadSequence || command.first_sequence_id != 0 ||
        command.payload.empty()) {
      co_await send_error(1, kErNetPacketsOutOfOrder, "08S01", "Got packets out of order");
      co_return;
    }
    if (!co_await handle_command(command)) co_return;
  }
  if (draining_) {
    co_await send_error(0, kErServerShutdown, "08S01", "sqlcache: proxy shutdown in progress");
  }
}

// The client's packet is over max_packet_size: error 1153, as the server says it. The client
// is most likely still sending the packet; closing with its bytes unread would make the kernel
// answer with a reset, which can destroy the error packet before the client reads it (it would
// then report "server has gone away" instead). So: the error, then end of our side, then read
// and drop whatever still comes, for a bounded time, until the client closes.
awaitable<void> Session::refuse_too_large(std::uint8_t sequence_id, std::size_t limit,
                                          std::string_view limit_name) {
  worker_.metrics().client_packets_too_large++;
  log_event(
      LogLevel::info, "proxy", "client_packet_too_large",
      {{"client", peer_}, {"user", state_.user}, {std::string(limit_name), std::to_string(limit)}});
  const std::string message =
      std::string("Got a packet bigger than 'max_allowed_packet' bytes (sqlcache ") +
      std::string(limit_name) + ": " + std::to_string(limit) + ")";
  if (!co_await send_error(sequence_id, kErNetPacketTooLarge, "08S01", message)) co_return;
  boost::system::error_code ignored;
  client_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  set_deadline(Phase::Draining, std::chrono::steady_clock::now() + kDrainTime);
  while (!closed_) {
    client_.buffer().consume(client_.buffer().size());
    const auto error = co_await client_.read_some();
    if (error) break;
  }
}

awaitable<bool> Session::handle_command(const PacketView& command) {
  const std::uint8_t code = command.payload[0];
  const auto started = std::chrono::steady_clock::now();
  const bool ok = co_await dispatch_command(command);
  // Slow-command and per-command debug logging: what and how long, never the SQL text (it
  // holds literals) nor result data.
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const bool slow = options_.slow_query.count() > 0 && elapsed >= options_.slow_query;
  if (slow || log_enabled(LogLevel::debug)) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    log_event(slow ? LogLevel::warn : LogLevel::debug, "proxy", slow ? "slow_command" : "command",
              {{"command", wire::command_name(code)},
               {"duration_us", std::to_string(micros)},
               {"user", state_.user},
               {"schema", state_.schema},
               {"client", peer_}});
  }
  co_return ok;
}

// Not a coroutine: it picks the coroutine that handles the command and hands back its
// awaitable, so a command costs one coroutine frame less (frames are allocated; the hit path
// is a few microseconds).
awaitable<bool> Session::dispatch_command(const PacketView& command) {
  const std::uint8_t code = command.payload[0];
  const wire::ResponseShape shape = wire::response_shape(code);
  worker_.metrics().commands++;
  if (shape == wire::ResponseShape::Unsupported) return refuse_unsupported(command);
  if (code == static_cast<std::uint8_t>(wire::Command::Quit)) return quit(command);
  if (code == static_cast<std::uint8_t>(wire::Command::ChangeUser)) return change_user(command);
  if (QueryCache* cache = worker_.query_cache()) return cache->handle(*this, command);
  return forward_and_relay(command, shape);
}

awaitable<bool> Session::refuse_unsupported(const PacketView& command) {
  const std::string message = "sqlcache: command " +
                              std::string(wire::command_name(command.payload[0])) +
                              " is not supported through the proxy";
  client_.consume_packet();
  co_return co_await send_error(1, kErUnknownCommand, "08S01", message);
}

awaitable<bool> Session::quit(const PacketView& command) {
  co_await backend_.write(command.raw);
  client_.consume_packet();
  co_return false;
}

awaitable<bool> Session::send_command(const PacketView& command) {
  const auto error = co_await backend_.write(command.raw);
  client_.consume_packet();
  if (error) {
    co_await send_error(1, kErBackendLost, "08S01",
                        "sqlcache: lost connection to the backend database");
    co_return false;
  }
  co_return true;
}

awaitable<bool> Session::forward_and_relay(const PacketView& command, wire::ResponseShape shape,
                                           RelayCapture* capture,
                                           wire::ResponseTracker* tracker_out) {
  // Keep what after_response() needs before the client buffer moves on.
  const std::uint8_t code = command.payload[0];
  wire::Bytes payload_copy;
  if (code == static_cast<std::uint8_t>(wire::Command::InitDb)) {
    payload_copy.assign(command.payload.begin(), command.payload.end());
  }
  if (!co_await send_command(command)) co_return false;
  wire::ResponseTracker tracker(shape, state_.capabilities);
  if (!co_await relay_response(tracker, capture)) co_return false;
  after_response(code, payload_copy, tracker);
  if (tracker_out != nullptr) *tracker_out = tracker;
  co_return true;
}

void Session::after_response(std::uint8_t command, wire::ByteView payload,
                             const wire::ResponseTracker& tracker) {
  if (tracker.has_status()) state_.status_flags = tracker.status_flags();
  if (!state_.in_transaction()) {
    state_.explicit_transaction = false;
    state_.transaction_epoch.reset();
  }
  if (tracker.ended_in_error()) return;
  switch (static_cast<wire::Command>(command)) {
    case wire::Command::InitDb:
      state_.schema.assign(reinterpret_cast<const char*>(payload.data()) + 1, payload.size() - 1);
      break;
    case wire::Command::ResetConnection:
      state_.reset_session_variables();
      break;
    default:
      break;
  }
}

awaitable<Session::InternalQuery> Session::run_internal_query(std::string_view sql,
                                                              std::size_t limit,
                                                              std::string& response,
                                                              std::uint16_t& warnings) {
  wire::Bytes payload;
  payload.reserve(1 + sql.size());
  payload.push_back(static_cast<std::uint8_t>(wire::Command::Query));
  payload.insert(payload.end(), sql.begin(), sql.end());
  if (co_await backend_.write(wire::framed(payload, 0))) co_return InternalQuery::ConnectionLost;
  wire::ResponseTracker tracker(wire::ResponseShape::ResultSets, state_.capabilities);
  bool too_large = false;
  response.clear();
  while (tracker.state() == wire::ResponseTracker::State::ExpectServer) {
    if (backend_.buffer().empty()) {
      if (auto ec = co_await backend_.read_some()) {
        worker_.metrics().backend_errors++;
        log_event(LogLevel::warn, "proxy", "backend_lost",
                  {{"client", peer_}, {"reason", ec.message()}});
        co_return InternalQuery::ConnectionLost;
      }
    }
    wire::ByteView available = backend_.buffer().data();
    const std::size_t n = tracker.feed(available);
    if (!too_large && response.size() + n <= limit) {
      response.append(wire::as_chars(available.subspan(0, n)));
    } else if (!too_large) {
      too_large = true;
      response.clear();
      response.shrink_to_fit();
    }
    backend_.buffer().consume(n);
  }
  // A SELECT never asks the client for anything (LOCAL INFILE): anything but the end of the
  // response means the connection is out of step.
  if (tracker.state() != wire::ResponseTracker::State::Complete) {
    worker_.metrics().protocol_errors++;
    co_return InternalQuery::ConnectionLost;
  }
  if (tracker.has_status()) state_.status_flags = tracker.status_flags();
  warnings = tracker.warnings();
  co_return too_large ? InternalQuery::TooLarge : InternalQuery::Complete;
}

awaitable<bool> Session::flush_held(RelayCapture& capture) {
  if (!capture.hold) co_return true;
  capture.hold = false;
  co_return !(co_await client_.write(wire::as_bytes(capture.bytes)));
}

awaitable<bool> Session::relay_response(wire::ResponseTracker& tracker, RelayCapture* capture) {
  while (true) {
    switch (tracker.state()) {
      case wire::ResponseTracker::State::Complete:
        co_return true;
      case wire::ResponseTracker::State::ProtocolError:
        worker_.metrics().protocol_errors++;
        log_event(LogLevel::warn, "proxy", "backend_protocol_error",
                  {{"client", peer_}, {"bytes", std::to_string(tracker.bytes_consumed())}});
        co_await send_error(tracker.next_sequence_id(), kErBackendLost, "08S01",
                            "sqlcache: the backend's response did not follow the protocol");
        co_return false;
      case wire::ResponseTracker::State::ExpectClient: {
        // The client must see what the server asked before it can answer.
        if (capture != nullptr && !co_await flush_held(*capture)) co_return false;
        PacketView packet;
        if (co_await client_.read_packet(packet, options_.max_packet_size) != ReadError::None) {
          co_return false;
        }
        if (co_await backend_.write(packet.raw)) co_return false;
        tracker.on_client_packet(packet.payload, packet.last_sequence_id);
        client_.consume_packet();
        continue;
      }
      case wire::ResponseTracker::State::ExpectServer:
        break;
    }
    if (backend_.buffer().empty()) {
      if (auto ec = co_await backend_.read_some()) {
        worker_.metrics().backend_errors++;
        log_event(LogLevel::warn, "proxy", "backend_lost",
                  {{"client", peer_}, {"reason", ec.message()}});
        co_await send_error(tracker.next_sequence_id(), kErBackendLost, "08S01",
                            "sqlcache: lost connection to the backend database during query");
        co_return false;
      }
    }
    wire::ByteView available = backend_.buffer().data();
    std::size_t n = tracker.feed(available);
    wire::ByteView part = available.subspan(0, n);
    bool write_now = true;
    if (capture != nullptr && !capture->overflowed) {
      if (capture->bytes.size() + part.size() <= capture->limit) {
        capture->bytes.append(wire::as_chars(part));
        write_now = !capture->hold;
      } else {
        // Too large to cache (or to hold back): pass on what was kept, then stream.
        if (!co_await flush_held(*capture)) co_return false;
        capture->overflowed = true;
        capture->bytes.clear();
        capture->bytes.shrink_to_fit();
      }
    }
    if (write_now && n > 0) {
      if (co_await client_.write(part)) co_return false;
    }
    backend_.buffer().consume(n);
  }
}

}  // namespace sqlcache::proxy
