#include "proxy/tls_settings.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace sqlcache::proxy {

namespace {

// The OpenSSL reason for the last failure ("no such file", "key values mismatch"...).
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reason = ec.message();
  unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;
  }
  ERR_clear_error();
  return reason;
}

// Throws "<key>: cannot read <path>: <reason>" when the file cannot be opened: OpenSSL's own
// words for that case ("system lib") do not say what is wrong.
void require_readable(const char* key, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw std::runtime_error(std::string(key) + ": cannot read " + path + ": " +
                             std::strerror(errno));
  }
  std::fclose(file);
}

std::shared_ptr<asio::ssl::context> make_context(asio::ssl::context::method method) {
  auto context = std::make_shared<asio::ssl::context>(method);
  // TLS 1.2 and 1.3 only; no compression, no renegotiation by clients.
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);
  return context;
}

std::shared_ptr<asio::ssl::context> make_client_context(const config::ClientTls& tls) {
  require_readable("client_tls.cert", tls.cert);
  require_readable("client_tls.key", tls.key);
  auto context = make_context(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  context->use_certificate_chain_file(tls.cert, ec);
  if (ec) {
    throw std::runtime_error("client_tls.cert: cannot load " + tls.cert + ": " +
                             openssl_reason(ec));
  }
  context->use_private_key_file(tls.key, asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("client_tls.key: cannot load " + tls.key + ": " + openssl_reason(ec));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("client_tls.key: " + tls.key + " does not match the certificate " +
                             tls.cert);
  }
  return context;
}

std::shared_ptr<asio::ssl::context> make_backend_context(const config::BackendTls& tls) {
  auto context = make_context(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (!tls.ca.empty()) {
    require_readable("backend.tls.ca", tls.ca);
    context->load_verify_file(tls.ca, ec);
    if (ec) {
      throw std::runtime_error("backend.tls.ca: cannot load " + tls.ca + ": " + openssl_reason(ec));
    }
  } else {
    context->set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot load the system's trust store: " + ec.message());
  }
  return context;
}

}  // namespace

std::shared_ptr<const TlsSettings> make_tls_settings(const config::Config& config) {
  auto settings = std::make_shared<TlsSettings>();
  if (config.client_tls.enabled()) {
    settings->client_context = make_client_context(config.client_tls);
  }
  settings->client_required = config.client_tls.require;
  const auto mode = config.backend.tls.mode;
  settings->backend_mode = mode;
  if (mode != config::BackendTlsMode::disabled) {
    settings->backend_context = make_backend_context(config.backend.tls);
    settings->backend_check.verify_certificate = mode == config::BackendTlsMode::verify_ca ||
                                                 mode == config::BackendTlsMode::verify_identity;
    settings->backend_check.verify_name = mode == config::BackendTlsMode::verify_identity;
    settings->backend_check.server_name = config.backend.tls.server_name.empty()
                                              ? config.backend.host
                                              : config.backend.tls.server_name;
    settings->proxy_rsa_key = wire::RsaKeyPair::generate();
  }
  return settings;
}

}  // namespace sqlcache::proxy
