#include "cache/redis_stream.hpp"

namespace sqlcache::cache {

namespace {

std::variant<tcp::socket, asio::ssl::stream<tcp::socket>> make_stream(
    asio::any_io_executor executor, asio::ssl::context* tls) {
  if (tls == nullptr) return tcp::socket(executor);
  return asio::ssl::stream<tcp::socket>(executor, *tls);
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_redis_tls_context(const RedisOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  context->set_verify_mode(asio::ssl::verify_peer);
  if (options.ca_file.empty()) {
    context->set_default_verify_paths();
  } else {
    context->load_verify_file(options.ca_file);
  }
  return context;
}

RedisStream::RedisStream(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls)
    : tls_context_(std::move(tls)), stream_(make_stream(executor, tls_context_.get())) {}

tcp::socket& RedisStream::socket() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) return tls->next_layer();
  return std::get<tcp::socket>(stream_);
}

awaitable<error_code> RedisStream::connect(const tcp::resolver::results_type& endpoints,
                                           const std::string& server_name) {
  error_code ec;
  co_await asio::async_connect(socket(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  // Requests are small and latency-bound: do not let Nagle hold them back.
  socket().set_option(tcp::no_delay(true), ec);
  ec = {};
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    // SNI, so a server behind a shared address presents the right certificate. SNI carries
    // host names only (RFC 6066 section 3), never an IP literal.
    error_code not_an_address;
    asio::ip::make_address(server_name, not_an_address);
    if (not_an_address && !SSL_set_tlsext_host_name(tls->native_handle(), server_name.c_str())) {
      co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(server_name));
    co_await tls->async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return ec;
}

awaitable<std::size_t> RedisStream::read_some(asio::mutable_buffer buffer, error_code& ec) {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    co_return co_await tls->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return co_await std::get<tcp::socket>(stream_).async_read_some(
      buffer, asio::redirect_error(asio::use_awaitable, ec));
}

awaitable<void> RedisStream::write(const std::vector<asio::const_buffer>& buffers, error_code& ec) {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    co_await asio::async_write(*tls, buffers, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(std::get<tcp::socket>(stream_), buffers,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

void RedisStream::close() {
  // Closing the TCP socket under a TLS stream is deliberate: no close_notify exchange, since
  // the connection is being abandoned (timeout, error, shutdown).
  error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace sqlcache::cache
