#include "proxy/worker.hpp"

#include <unistd.h>

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
  session_count_.fetch_add(1);
  metrics().client_connections_open.inc();
}

void Worker::unregister_session(Session* session) {
  sessions_.erase(session);
  session_count_.fetch_sub(1);
  connections_.fetch_sub(1, std::memory_order_relaxed);
  metrics().client_connections_open.dec();
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
  asio::post(target.io_, [&target, protocol, descriptor] { target.adopt(protocol, descriptor); });
}

void Worker::adopt(tcp protocol, int descriptor) {
  tcp::socket socket(io_);
  boost::system::error_code ec;
  socket.assign(protocol, descriptor, ec);
  if (ec) {
    ::close(descriptor);
    connections_.fetch_sub(1, std::memory_order_relaxed);
    server_.release_connection();
    log_event(LogLevel::warn, "proxy", "accept_failed", {{"reason", ec.message()}});
    return;
  }
  serve(std::move(socket));
}

void Worker::serve(tcp::socket socket) {
  auto session = std::make_shared<Session>(std::move(socket), *this);
  session->start();
  // Handed over after this worker began the shutdown: it gets the shutdown error at once.
  if (stopping_) session->request_shutdown();
}

}  // namespace sqlcache::proxy
