#pragma once
// A scripted MySQL 8.4 server for tests. No MySQL 8 server is packaged for Debian 12, so the
// paths that only MySQL 8 takes (caching_sha2_password: fast auth, full auth with the cleartext
// password inside TLS, full auth with the RSA public-key request on a plaintext connection,
// the auth switch, COM_CHANGE_USER) are tested against this: it speaks the bytes a real 8.4
// server sends, as read from mysql-server's sql/auth/sql_authentication.cc and
// sql/auth/sha2_password.cc (docs/testing.md lists them). It listens on 127.0.0.1 on its own
// thread, one thread per connection, and answers only what a login test needs after the login:
// COM_PING, COM_QUERY (one row saying who the session is), COM_CHANGE_USER and COM_QUIT.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::testing {

// caching_sha2_password arithmetic, as the server side computes it (kept apart so the tests can
// check it against values computed elsewhere).
namespace caching_sha2 {
std::string sha256(std::string_view data);
// What a client sends for fast auth: XOR(SHA256(password), SHA256(SHA256(SHA256(password)) ||
// nonce)).
std::string scramble(std::string_view password, std::string_view nonce);
// The server's check of a fast-auth scramble against its cached SHA256(SHA256(password)).
bool scramble_matches(std::string_view scramble, std::string_view cached_digest,
                      std::string_view nonce);
// XOR with the nonce repeated (the password + NUL is sent RSA-encrypted in this form).
std::string xor_with_nonce(std::string_view data, std::string_view nonce);
// Decrypts an RSA_PKCS1_OAEP_PADDING ciphertext with a PEM private key and undoes the XOR: the
// password up to its NUL, or std::nullopt when the ciphertext does not decrypt.
std::optional<std::string> decrypt_password(std::string_view private_key_pem,
                                            std::string_view ciphertext, std::string_view nonce);
}  // namespace caching_sha2

struct ScriptedMysql8Options {
  // Non-empty: the greeting offers CLIENT_SSL and an SSL request is answered with TLS 1.2+.
  std::string cert_file, key_file;
  // Like require_secure_transport=ON: a login over plaintext gets ERR 3159 after it
  // authenticated (where the real server checks it).
  bool require_tls = false;
  std::map<std::string, std::string> users{{"app", "app-secret"}};  // user -> password
  std::string version = "8.4.3";
};

class ScriptedMysql8Server {
 public:
  explicit ScriptedMysql8Server(ScriptedMysql8Options options);
  ~ScriptedMysql8Server();  // stops and joins every thread
  ScriptedMysql8Server(const ScriptedMysql8Server&) = delete;
  ScriptedMysql8Server& operator=(const ScriptedMysql8Server&) = delete;

  std::uint16_t port() const;  // on 127.0.0.1, ephemeral

  enum class AuthPath { kFastAuth, kFullAuthOverTls, kFullAuthRsa, kFailed };
  struct Login {
    std::string user;
    bool tls = false;
    AuthPath path = AuthPath::kFailed;
    std::string detail;                 // why it failed, or what happened on the way
    bool change_user = false;           // a COM_CHANGE_USER, not a new connection
    bool auth_switch = false;           // the server sent an auth switch request first
    bool public_key_requested = false;  // the client asked for the RSA public key (0x02)
  };
  // Every authentication attempt, in order (COM_CHANGE_USER included).
  std::vector<Login> logins() const;

  // The server's auth cache is emptied (like FLUSH PRIVILEGES): the next logins need full auth.
  void forget_cached_passwords();

  // The RSA public key the server sends on request, PEM ("-----BEGIN PUBLIC KEY-----").
  std::string public_key_pem() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

const char* to_string(ScriptedMysql8Server::AuthPath path);

}  // namespace sqlcache::testing
