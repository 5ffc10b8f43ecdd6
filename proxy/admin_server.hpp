#pragma once
// The admin HTTP endpoint (Boost.Beast on the control thread): /metrics (Prometheus),
// /healthz, /readyz, /stats (JSON), POST /cache/invalidate?table=db.t|schema=db, POST
// /cache/flush. Mutating endpoints require `Authorization: Bearer <admin.token>` when a
// token is configured. docs/operations.md describes each.
#include <memory>
#include <string>

#include "proxy/asio.hpp"

namespace sqlcache::proxy {

class Server;

class AdminServer {
 public:
  // Binds now (throws std::runtime_error with a clear message on failure).
  AdminServer(Server& server, asio::io_context& context, const tcp::endpoint& endpoint);
  void start();
  void stop();

 private:
  awaitable<void> accept_loop();
  Server& server_;
  tcp::acceptor acceptor_;
};

}  // namespace sqlcache::proxy
