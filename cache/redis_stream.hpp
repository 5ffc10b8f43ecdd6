#pragma once
// The byte stream under a Redis connection: plain TCP, or TLS over TCP (ElastiCache in-transit
// encryption). The connection code only sees connect/read/write/close, so the stream type is
// chosen once, here.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "proxy/asio.hpp"
// After proxy/asio.hpp, which must be the first Asio header.
#include <boost/asio/ssl.hpp>

#include "cache/redis_options.hpp"

namespace sqlcache::cache {

using error_code = boost::system::error_code;

// A client TLS context for the options (verify the peer against ca_file or the system store).
// Throws on an unreadable ca_file: that is a startup configuration error.
std::shared_ptr<asio::ssl::context> make_redis_tls_context(const RedisOptions& options);

class RedisStream {
 public:
  // tls == nullptr: plain TCP.
  RedisStream(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls);

  // TCP connect to the first endpoint that answers, then the TLS handshake (SNI and certificate
  // name check with server_name) when TLS is on.
  awaitable<error_code> connect(const tcp::resolver::results_type& endpoints,
                                const std::string& server_name);
  awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& ec);
  awaitable<void> write(const std::vector<asio::const_buffer>& buffers, error_code& ec);
  // Cancels pending operations; they complete with an error.
  void close();

 private:
  using TlsStream = asio::ssl::stream<tcp::socket>;
  tcp::socket& socket();

  std::shared_ptr<asio::ssl::context> tls_context_;  // kept alive as long as the stream
  std::variant<tcp::socket, TlsStream> stream_;
};

}  // namespace sqlcache::cache
