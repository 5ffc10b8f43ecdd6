#pragma once
// One thread of the proxy: its io_context, its acceptors (SO_REUSEPORT: the kernel spreads
// connections over the threads) and the sessions it owns (design decision 10).
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include "proxy/asio.hpp"
#include "proxy/metrics.hpp"
#include "proxy/session_options.hpp"

namespace sqlcache::proxy {

class Server;
class Session;
class QueryCache;

class Worker {
 public:
  Worker(Server& server, unsigned index);
  ~Worker();

  asio::io_context& context() { return io_; }
  unsigned index() const { return index_; }
  SessionOptions session_options() const;
  Metrics& metrics() { return global_metrics(); }
  QueryCache* query_cache() { return cache_.get(); }
  void set_query_cache(std::unique_ptr<QueryCache> cache);

  // Binds an acceptor on every endpoint; throws on failure (startup error).
  void listen(const std::vector<tcp::endpoint>& endpoints);
  void start_thread();
  void join();

  // Called on the worker's thread (post them).
  void stop_accepting();
  void shutdown_sessions();

  void register_session(Session* session);
  void unregister_session(Session* session);
  // Client connections given to this worker: its sessions, and those handed over to it that
  // have not started yet. New connections go to the worker with the fewest; shutdown waits for
  // every worker's to reach 0.
  std::size_t connection_count() const { return connections_.load(std::memory_order_relaxed); }

 private:
  awaitable<void> accept_loop(tcp::acceptor& acceptor);
  // Passes an accepted connection to `target`'s thread (its socket moves by descriptor).
  void hand_over(Worker& target, tcp::socket socket);
  void adopt(tcp protocol, int descriptor);
  void serve(tcp::socket socket);
  // A connection given to this worker ended (or never started): both counts go down.
  void give_back_connection();

  Server& server_;
  unsigned index_;
  // Declared before io_, so they outlive it: sessions still open when the shutdown grace ran
  // out end inside io_'s destructor and unregister themselves.
  std::unordered_set<Session*> sessions_;
  std::atomic<std::size_t> connections_{0};
  bool stopping_ = false;  // shutdown_sessions() ran: sessions handed over later drain at once
  asio::io_context io_{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::unique_ptr<QueryCache> cache_;
  std::thread thread_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  friend class Session;
};

}  // namespace sqlcache::proxy
