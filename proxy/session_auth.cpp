// The connection phase of a session: the relayed greeting, TLS on either hop, the handshake
// response, and the authentication exchange, packet by packet (also for COM_CHANGE_USER).
//
// Authentication passes through (design decision 3): the proxy never knows a password, except
// in one case it must step in. caching_sha2_password sends the cleartext password when the
// client's connection is secure; if the client's hop is TLS but the backend's is not, the
// proxy fetches the server's RSA public key and sends the password encrypted instead, so no
// cleartext password crosses a plaintext hop. The reverse (a plaintext client, a TLS backend
// that expects cleartext) is answered with the proxy's own public key.
//
// Sequence ids: a TLS hop spends one id on the SSL request, and the proxy's own packets to the
// backend (the public-key request) have no counterpart on the client's side, so each hop keeps
// its own counter and every packet is re-framed for the side it goes to.
#include "mysql_wire/auth_exchange.hpp"
#include "mysql_wire/caching_sha2.hpp"
#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/command.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/handshake.hpp"
#include "proxy/error_codes.hpp"
#include "proxy/log.hpp"
#include "proxy/session.hpp"
#include "proxy/tls_settings.hpp"
#include "proxy/worker.hpp"

namespace sqlcache::proxy {

namespace {

constexpr std::size_t kHandshakePacketLimit = 64 * 1024;
constexpr std::string_view kClearPasswordPlugin = "mysql_clear_password";

// The nonce of an auth switch request: its data without the trailing NUL.
std::string switch_nonce(std::string_view plugin_data) {
  if (!plugin_data.empty() && plugin_data.back() == '\0') plugin_data.remove_suffix(1);
  return std::string(plugin_data);
}

}  // namespace

awaitable<bool> Session::relay_handshake() {
  const TlsSettings& tls = *options_.tls;
  // 1. The server's greeting, with the capabilities the proxy cannot relay masked off.
  PacketView greeting;
  if (co_await backend_.read_packet(greeting, kHandshakePacketLimit) != ReadError::None) {
    co_await send_error(0, kErBackendLost, "08S01", "sqlcache: the backend closed the connection");
    co_return false;
  }
  if (!greeting.payload.empty() && greeting.payload[0] == wire::kErrHeader) {
    // e.g. "Too many connections" or "Host is blocked": the server's own words.
    co_await client_.write(greeting.raw);
    co_return false;
  }
  auto handshake = wire::parse_initial_handshake(greeting.payload);
  if (!handshake) {
    log_event(LogLevel::warn, "proxy", "bad_backend_greeting", {});
    co_await send_error(0, kErHandshakeError, "08S01", "sqlcache: unsupported backend greeting");
    co_return false;
  }
  backend_.consume_packet();
  const bool backend_offers_tls = (handshake->capabilities & wire::cap::kSsl) != 0;
  std::uint64_t offered = handshake->capabilities & wire::cap::kProxySupported;
  if (tls.client_context) offered |= wire::cap::kSsl;
  handshake->capabilities = offered;
  state_.connection_id = handshake->connection_id;
  auth_nonce_ = handshake->auth_plugin_data;
  auth_plugin_ = handshake->auth_plugin_name;
  // Named values, not temporaries, across co_await: GCC 12 mishandles temporaries that
  // live through a suspension inside a condition.
  const wire::Bytes greeting_out = wire::framed(wire::encode_initial_handshake(*handshake), 0);
  if (co_await client_.write(greeting_out)) co_return false;

  // 2. The client's handshake response, or its SSL request and then TLS. Read exactly: after
  // an SSL request the client's next bytes are its TLS hello.
  PacketView response;
  const ReadError first_read = co_await client_.read_packet_exact(response, kHandshakePacketLimit);
  if (first_read == ReadError::TooLarge) {
    co_await refuse_too_large(1, kHandshakePacketLimit, "handshake packet limit");
    co_return false;
  }
  if (first_read != ReadError::None) co_return false;
  if (!co_await expect_client_sequence(response, 1)) co_return false;
  if (wire::is_ssl_request(response.payload)) {
    const std::uint8_t next = response.last_sequence_id + 1;
    client_.consume_packet();
    if (!tls.client_context) {
      co_await send_error(next, kErHandshakeError, "08S01",
                          "sqlcache: TLS was requested but is not enabled on this proxy");
      co_return false;
    }
    if (auto ec = co_await client_.start_tls_server(*tls.client_context)) {
      worker_.metrics().client_tls_failures++;
      log_event(LogLevel::info, "proxy", "client_tls_failed",
                {{"client", peer_}, {"reason", ec.message()}});
      co_return false;
    }
    worker_.metrics().client_tls_connections++;
    if (co_await client_.read_packet(response, kHandshakePacketLimit) != ReadError::None) {
      co_return false;
    }
    if (!co_await expect_client_sequence(response, 2)) co_return false;
  } else if (tls.client_required) {
    const std::uint8_t next = response.last_sequence_id + 1;
    client_.consume_packet();
    worker_.metrics().client_plaintext_refused++;
    log_event(LogLevel::info, "proxy", "plaintext_client_refused", {{"client", peer_}});
    co_await send_error(next, kErSecureTransportRequired, "08004",
                        "Connections using insecure transport are prohibited: this sqlcache "
                        "proxy requires TLS (client_tls.require)");
    co_return false;
  }
  auto parsed = wire::parse_handshake_response(response.payload);
  if (!parsed) {
    co_await send_error(response.last_sequence_id + 1, kErHandshakeError, "08S01", "Bad handshake");
    co_return false;
  }
  std::uint8_t client_seq = response.last_sequence_id + 1;
  state_.capabilities = parsed->capabilities & offered & ~wire::cap::kSsl;
  state_.user = parsed->username;
  state_.schema = parsed->database;
  state_.character_set = parsed->character_set;
  if (parsed->capabilities & wire::cap::kPluginAuth) auth_plugin_ = parsed->auth_plugin_name;
  wire::Bytes patched(response.payload.begin(), response.payload.end());
  client_.consume_packet();

  // 3. TLS to the backend, as configured and as the server offers.
  bool backend_tls = false;
  if (tls.backend_context) {
    if (backend_offers_tls) {
      backend_tls = true;
    } else if (tls.backend_mode != config::BackendTlsMode::preferred) {
      log_event(LogLevel::warn, "proxy", "backend_tls_unavailable",
                {{"mode", std::string(config::to_string(tls.backend_mode))}});
      co_await send_error(client_seq, kErBackendUnreachable, "08S01",
                          "sqlcache: the backend does not offer TLS, and backend.tls.mode is " +
                              std::string(config::to_string(tls.backend_mode)));
      co_return false;
    }
  }
  std::uint8_t backend_seq = 1;
  const std::uint64_t backend_capabilities =
      state_.capabilities | (backend_tls ? wire::cap::kSsl : 0);
  wire::patch_response_capabilities(patched, backend_capabilities);
  if (backend_tls) {
    const wire::ByteView ssl_request(patched.data(), wire::kSslRequestSize);
    const wire::Bytes ssl_request_out = wire::framed(ssl_request, backend_seq++);
    if (co_await backend_.write(ssl_request_out)) co_return false;
    if (auto ec = co_await backend_.start_tls_client(*tls.backend_context, tls.backend_check)) {
      worker_.metrics().backend_errors++;
      log_event(LogLevel::warn, "proxy", "backend_tls_failed", {{"reason", ec.message()}});
      co_await send_error(client_seq, kErBackendUnreachable, "08S01",
                          "sqlcache: TLS handshake with the backend failed (" + ec.message() + ")");
      co_return false;
    }
  }
  if (auth_plugin_ == kClearPasswordPlugin && client_.secure() && !backend_.secure()) {
    co_await refuse_cleartext_password(client_seq);
    co_return false;
  }
  const wire::Bytes response_out = wire::framed(patched, backend_seq++);
  if (co_await backend_.write(response_out)) co_return false;

  // 4. The authentication exchange, until the server's OK or ERR.
  const AuthOutcome outcome = co_await relay_auth(client_seq, backend_seq);
  if (outcome != AuthOutcome::Authenticated) co_return false;
  worker_.metrics().client_connections_authenticated++;
  if (client_.secure() || backend_.secure()) {
    log_event(LogLevel::debug, "proxy", "tls",
              {{"client", peer_},
               {"client_tls", client_.tls_description()},
               {"backend_tls", backend_.tls_description()}});
  }
  co_return true;
}

// A client packet of the connection phase must carry the next sequence id; anything else is
// refused as the server refuses it (1156), never passed on renumbered.
awaitable<bool> Session::expect_client_sequence(const PacketView& packet, std::uint8_t expected) {
  if (packet.first_sequence_id == expected) co_return true;
  client_.consume_packet();
  log_event(LogLevel::info, "proxy", "client_bad_sequence",
            {{"client", peer_},
             {"expected", std::to_string(expected)},
             {"got", std::to_string(packet.first_sequence_id)}});
  co_await send_error(static_cast<std::uint8_t>(packet.last_sequence_id + 1),
                      kErNetPacketsOutOfOrder, "08S01", "Got packets out of order");
  co_return false;
}

awaitable<bool> Session::refuse_cleartext_password(std::uint8_t client_seq) {
  log_event(LogLevel::warn, "proxy", "cleartext_password_refused",
            {{"client", peer_}, {"user", state_.user}});
  co_return co_await send_error(
      client_seq, kErAccessDenied, "28000",
      "sqlcache: refusing to send a cleartext password (mysql_clear_password) over the "
      "plaintext connection to the backend; enable backend.tls");
}

awaitable<Session::AuthOutcome> Session::relay_auth(std::uint8_t client_seq,
                                                    std::uint8_t backend_seq) {
  while (true) {
    PacketView packet;
    if (co_await backend_.read_packet(packet, kHandshakePacketLimit) != ReadError::None) {
      worker_.metrics().backend_errors++;
      co_await send_error(client_seq, kErBackendLost, "08S01",
                          "sqlcache: lost connection to the backend during authentication");
      co_return AuthOutcome::ConnectionLost;
    }
    backend_seq = packet.last_sequence_id + 1;
    const wire::AuthPacket kind = wire::classify_server_auth_packet(packet.payload, auth_plugin_);
    if (kind == wire::AuthPacket::Malformed) {
      worker_.metrics().protocol_errors++;
      log_event(LogLevel::warn, "proxy", "backend_protocol_error",
                {{"client", peer_}, {"phase", "authentication"}});
      co_await send_error(client_seq, kErBackendLost, "08S01",
                          "sqlcache: the backend's authentication did not follow the protocol");
      co_return AuthOutcome::ConnectionLost;
    }
    if (kind == wire::AuthPacket::Switch) {
      if (auto change = wire::parse_auth_switch(packet.payload)) {
        auth_plugin_ = change->plugin_name;
        auth_nonce_ = switch_nonce(change->plugin_data);
      }
    }
    if (kind == wire::AuthPacket::Ok) {
      if (auto ok = wire::parse_ok(packet.payload, state_.capabilities)) {
        state_.status_flags = ok->status_flags;
      }
    }
    const wire::Bytes to_client = wire::framed(packet.payload, client_seq++);
    backend_.consume_packet();
    if (co_await client_.write(to_client)) co_return AuthOutcome::ConnectionLost;
    if (kind == wire::AuthPacket::Ok) co_return AuthOutcome::Authenticated;
    if (kind == wire::AuthPacket::Error) co_return AuthOutcome::Refused;
    if (!wire::client_answers(kind)) continue;

    // The client's answer.
    PacketView answer;
    if (co_await client_.read_packet(answer, kHandshakePacketLimit) != ReadError::None) {
      co_return AuthOutcome::ConnectionLost;
    }
    if (!co_await expect_client_sequence(answer, client_seq)) co_return AuthOutcome::ConnectionLost;
    client_seq = answer.last_sequence_id + 1;
    wire::Bytes answer_payload(answer.payload.begin(), answer.payload.end());
    client_.consume_packet();
    if (auth_plugin_ == kClearPasswordPlugin && client_.secure() && !backend_.secure()) {
      co_await refuse_cleartext_password(client_seq);
      co_return AuthOutcome::ConnectionLost;
    }
    if (kind == wire::AuthPacket::FullAuthRequest && client_.secure() != backend_.secure()) {
      // The one place the proxy takes part: see the top of this file.
      bool sent = false;
      if (client_.secure()) {
        sent = co_await send_password_encrypted(answer_payload, client_seq, backend_seq);
      } else {
        sent = co_await send_password_over_tls(answer_payload, client_seq, backend_seq);
      }
      if (!sent) co_return AuthOutcome::ConnectionLost;
      continue;
    }
    const wire::Bytes to_backend = wire::framed(answer_payload, backend_seq++);
    if (co_await backend_.write(to_backend)) co_return AuthOutcome::ConnectionLost;
  }
}

// TLS client, plaintext backend: `cleartext` is the password and its NUL, as a client sends it
// over a secure connection. Ask the server for its public key, send the password encrypted.
awaitable<bool> Session::send_password_encrypted(const wire::Bytes& cleartext,
                                                 std::uint8_t& client_seq,
                                                 std::uint8_t& backend_seq) {
  const wire::Bytes request =
      wire::framed(wire::Bytes{wire::kCachingSha2RequestPublicKey}, backend_seq++);
  if (co_await backend_.write(request)) co_return false;
  PacketView key;
  if (co_await backend_.read_packet(key, kHandshakePacketLimit) != ReadError::None) {
    worker_.metrics().backend_errors++;
    co_await send_error(client_seq, kErBackendLost, "08S01",
                        "sqlcache: lost connection to the backend during authentication");
    co_return false;
  }
  backend_seq = key.last_sequence_id + 1;
  if (key.payload.size() < 2 || key.payload[0] != wire::kAuthMoreDataHeader) {
    log_event(LogLevel::warn, "proxy", "backend_public_key_missing", {{"client", peer_}});
    backend_.consume_packet();
    co_await send_error(client_seq, kErAccessDenied, "28000",
                        "sqlcache: the backend did not send its public key for "
                        "caching_sha2_password");
    co_return false;
  }
  std::string_view password = wire::as_chars(cleartext);
  if (!password.empty() && password.back() == '\0') password.remove_suffix(1);
  auto encrypted =
      wire::encrypt_password(wire::as_chars(key.payload.subspan(1)), password, auth_nonce_);
  backend_.consume_packet();
  if (!encrypted) {
    log_event(LogLevel::warn, "proxy", "backend_public_key_unusable", {{"client", peer_}});
    co_await send_error(client_seq, kErAccessDenied, "28000",
                        "sqlcache: cannot encrypt the password with the backend's public key");
    co_return false;
  }
  const wire::Bytes out = wire::framed(wire::as_bytes(*encrypted), backend_seq++);
  co_return !(co_await backend_.write(out));
}

// Plaintext client, TLS backend: the server expects the cleartext password (its hop is
// secure), the client wants a public key to encrypt it with. Give it the proxy's.
awaitable<bool> Session::send_password_over_tls(const wire::Bytes& first_answer,
                                                std::uint8_t& client_seq,
                                                std::uint8_t& backend_seq) {
  const auto& key = options_.tls->proxy_rsa_key;
  wire::Bytes ciphertext = first_answer;
  if (first_answer.size() == 1 && first_answer[0] == wire::kCachingSha2RequestPublicKey) {
    const std::string& pem = key->public_key_pem();
    wire::Bytes key_packet(1 + pem.size());
    key_packet[0] = wire::kAuthMoreDataHeader;
    std::copy(pem.begin(), pem.end(), key_packet.begin() + 1);
    const wire::Bytes key_out = wire::framed(key_packet, client_seq++);
    if (co_await client_.write(key_out)) co_return false;
    PacketView answer;
    if (co_await client_.read_packet(answer, kHandshakePacketLimit) != ReadError::None) {
      co_return false;
    }
    if (!co_await expect_client_sequence(answer, client_seq)) co_return false;
    client_seq = answer.last_sequence_id + 1;
    ciphertext.assign(answer.payload.begin(), answer.payload.end());
    client_.consume_packet();
  }
  auto password = key->decrypt_password(wire::as_chars(ciphertext), auth_nonce_);
  if (!password) {
    // Most likely a client that has the server's own key configured (server-public-key-path).
    log_event(LogLevel::warn, "proxy", "client_password_undecryptable",
              {{"client", peer_}, {"user", state_.user}});
    co_await send_error(client_seq, kErAccessDenied, "28000",
                        "sqlcache: cannot decrypt the password: let the client request the "
                        "public key from the proxy, or connect to the proxy with TLS");
    co_return false;
  }
  password->push_back('\0');
  const wire::Bytes out = wire::framed(wire::as_bytes(*password), backend_seq++);
  co_return !(co_await backend_.write(out));
}

awaitable<bool> Session::change_user(const PacketView& command) {
  wire::Bytes payload(command.payload.begin(), command.payload.end());
  if (!co_await send_command(command)) co_return false;
  auto change = wire::parse_change_user(payload, state_.capabilities);
  if (change && !change->auth_plugin_name.empty()) {
    auth_plugin_ = std::string(change->auth_plugin_name);
  }
  const AuthOutcome outcome = co_await relay_auth(1, 1);
  if (outcome == AuthOutcome::ConnectionLost) co_return false;
  if (outcome == AuthOutcome::Authenticated) {
    if (change) {
      state_.user = std::string(change->username);
      state_.schema = std::string(change->database);
      if (change->character_set != 0) {
        state_.character_set = static_cast<std::uint8_t>(change->character_set);
      }
    }
    // A new session on the server: its variables and transaction are gone.
    state_.reset_session_variables();
    state_.explicit_transaction = false;
    state_.transaction_epoch.reset();
  }
  co_return true;
}

}  // namespace sqlcache::proxy
