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
  std::size_t session_count() const { return session_count_.load(); }

 private:
  awaitable<void> accept_loop(tcp::acceptor& acceptor);

  Server& server_;
  unsigned index_;
  asio::io_context io_{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::unordered_set<Session*> sessions_;
  std::atomic<std::size_t> session_count_{0};
  std::unique_ptr<QueryCache> cache_;
  std::thread thread_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  friend class Session;
};

}  // namespace sqlcache::proxy
