#pragma once
// TLS on the two hops of a session, set up once at startup from the configuration and shared
// by every session (an OpenSSL context is safe to share across threads).
#include <memory>
#include <string>

#include "config/config.hpp"
#include "mysql_wire/caching_sha2.hpp"
#include "proxy/packet_channel.hpp"

namespace sqlcache::proxy {

struct TlsSettings {
  // Clients: null when no certificate is configured (the proxy then offers no TLS).
  std::shared_ptr<asio::ssl::context> client_context;
  bool client_required = false;

  // The backend: null when backend.tls.mode is disabled.
  std::shared_ptr<asio::ssl::context> backend_context;
  config::BackendTlsMode backend_mode = config::BackendTlsMode::disabled;
  TlsPeerCheck backend_check;

  // For plaintext clients of a TLS backend that ask caching_sha2_password for a public key:
  // the proxy answers with its own (generated at startup, only when the backend uses TLS).
  std::shared_ptr<const wire::RsaKeyPair> proxy_rsa_key;
};

// Builds the contexts: TLS 1.2 or later, certificates and CA files loaded now, so a bad file
// stops the proxy at startup with a message naming it (std::runtime_error).
std::shared_ptr<const TlsSettings> make_tls_settings(const config::Config& config);

}  // namespace sqlcache::proxy
