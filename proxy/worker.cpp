#include "proxy/worker.hpp"

#include <unistd.h>

#include <utility>

#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/packet.hpp"
#include "proxy/log.hpp"
#include "proxy/query_cache.hpp"
#include "proxy/server.hpp"
#include "proxy/session.hpp"

namespace sqlcache::proxy {

namespace {
constexpr std::uint16_t kErConCountError = 1040;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace

Worker::Worker(Server& server, unsigned index) : server_(server), index_(index) {}

Worker::~Worker() { join(); }

void Worker::set_query_cache(std::unique_ptr<QueryCache> cache) { cache_ = std::move(cache); }

SessionOptions Worker::session_options() const { return server_.session_options(); }

void Worker::register_session(Session* session) {
  sessions_.insert(session);
  metrics().client_connections_open.inc();
}

void Worker::unregister_session(Session* session) {
  sessions_.erase(session);
  metrics().client_connections_open.dec();
  give_back_connection();
}

void Worker::give_back_connection() {
  connections_.fetch_sub(1, std::memory_order_relaxed);
  server_.release_connection();
}

void Worker::listen(const std::vector<tcp::endpoint>& endpoints) {
  for (const auto& endpoint : endpoints) {
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->set_option(ReusePort(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    acceptors_.push_back(std::move(acceptor));
  }
}

void Worker::start_thread() {
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(io_, accept_loop(*acceptor), asio::detached);
  }
  thread_ = std::thread([this] { io_.run(); });
}

void Worker::join() {
  if (thread_.joinable()) {
    work_.reset();
    io_.stop();
    thread_.join();
  }
}

void Worker::stop_accepting() {
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
}

void Worker::shutdown_sessions() {
  stopping_ = true;
  // request_shutdown may close a session, which then unregisters itself later: copy first.
  std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
  for (Session* session : sessions) session->request_shutdown();
}

awaitable<void> Worker::accept_loop(tcp::acceptor& acceptor) {
  asio::steady_timer backoff(io_);
  while (acceptor.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
      // Out of file descriptors and the like: say so, wait a little, go on.
      log_event(LogLevel::warn, "proxy", "accept_failed", {{"reason", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    metrics().client_connections_total++;
    if (!server_.try_admit_connection()) {
      metrics().client_connections_rejected++;
      wire::Bytes packet =
          wire::framed(wire::encode_err(kErConCountError, "08004", "Too many connections"), 0);
      boost::system::error_code ignored;
      asio::write(socket, asio::buffer(packet), ignored);
      socket.close(ignored);
      continue;
    }
    // The kernel picks the listener by a hash of the client's address and port, which leaves
    // a small connection pool unevenly spread; even it out here.
    Worker& target = server_.least_loaded_worker(*this);
    target.connections_.fetch_add(1, std::memory_order_relaxed);
    if (&target == this) {
      serve(std::move(socket));
    } else {
      hand_over(target, std::move(socket));
    }
  }
}

namespace {
// A descriptor on its way to another worker's thread: closed if the handler carrying it is
// destroyed without running (the worker stopped first).
class DescriptorInTransit {
 public:
  explicit DescriptorInTransit(int descriptor) : descriptor_(descriptor) {}
  DescriptorInTransit(DescriptorInTransit&& other) noexcept
      : descriptor_(std::exchange(other.descriptor_, -1)) {}
  DescriptorInTransit& operator=(DescriptorInTransit&&) = delete;
  ~DescriptorInTransit() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  int take() { return std::exchange(descriptor_, -1); }

 private:
  int descriptor_;
};
}  // namespace

void Worker::hand_over(Worker& target, tcp::socket socket) {
  boost::system::error_code ec;
  const tcp protocol = socket.local_endpoint(ec).protocol();
  const int descriptor = ec ? -1 : socket.release(ec);
  if (ec || descriptor < 0) {
    // The socket could not leave this thread's reactor: serve it here.
    target.connections_.fetch_sub(1, std::memory_order_relaxed);
    connections_.fetch_add(1, std::memory_order_relaxed);
    serve(std::move(socket));
    return;
  }
  asio::post(target.io_,
             [&target, protocol, in_transit = DescriptorInTransit(descriptor)]() mutable {
               target.adopt(protocol, in_transit.take());
             });
}

void Worker::adopt(tcp protocol, int descriptor) {
  tcp::socket socket(io_);
  boost::system::error_code ec;
  socket.assign(protocol, descriptor, ec);
  if (ec) {
    ::close(descriptor);
    give_back_connection();
    log_event(LogLevel::warn, "proxy", "accept_failed", {{"reason", ec.message()}});
    return;
  }
  serve(std::move(socket));
}

void Worker::serve(tcp::socket socket) {
  std::shared_ptr<Session> session;
  try {
    session = std::make_shared<Session>(std::move(socket), *this);
  } catch (const std::exception& e) {
    // Out of memory, most likely: the connection closes (its socket with it), the proxy goes on.
    give_back_connection();
    log_event(LogLevel::error, "proxy", "session_failed", {{"reason", e.what()}});
    return;
  }
  try {
    session->start();
  } catch (const std::exception& e) {
    // The session unregisters itself when the last reference to it goes.
    log_event(LogLevel::error, "proxy", "session_failed", {{"reason", e.what()}});
    return;
  }
  // Handed over after this worker began the shutdown: it is told to drain now, and gets the
  // shutdown error after its login, like a session that was logging in when shutdown began.
  if (stopping_) session->request_shutdown();
}

}  // namespace sqlcache::proxy
