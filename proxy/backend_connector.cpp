#include "proxy/backend_connector.hpp"

#include <memory>

namespace sqlcache::proxy {

void tune_socket(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
}

awaitable<ConnectResult> connect_with_timeout(const BackendAddress& address,
                                              std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  ConnectResult result{tcp::socket(executor), {}};
  tcp::resolver resolver(executor);
  // The timer closes the socket (and cancels the resolver) when the deadline passes; the
  // pending operation then completes with operation_aborted.
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer timer(executor, timeout);
  timer.async_wait([&, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    resolver.cancel();
    boost::system::error_code ignored;
    result.socket.close(ignored);
  });
  auto endpoints =
      co_await resolver.async_resolve(address.host, std::to_string(address.port),
                                      asio::redirect_error(asio::use_awaitable, result.error));
  if (!result.error) {
    co_await asio::async_connect(result.socket, endpoints,
                                 asio::redirect_error(asio::use_awaitable, result.error));
  }
  timer.cancel();
  if (*timed_out) result.error = asio::error::timed_out;
  if (!result.error) tune_socket(result.socket);
  co_return result;
}

}  // namespace sqlcache::proxy
