#pragma once
// Opens a TCP connection to the backend database within a deadline.
#include <chrono>
#include <string>

#include "proxy/asio.hpp"
#include "proxy/session_options.hpp"

namespace sqlcache::proxy {

struct ConnectResult {
  tcp::socket socket;
  boost::system::error_code error;
};

awaitable<ConnectResult> connect_with_timeout(const BackendAddress& address,
                                              std::chrono::milliseconds timeout);

// TCP_NODELAY: the proxy writes whole responses at once, so Nagle only adds latency.
void tune_socket(tcp::socket& socket);

}  // namespace sqlcache::proxy
