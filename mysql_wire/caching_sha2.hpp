#pragma once
// The cryptography of caching_sha2_password's full authentication
// (https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html):
// over a plaintext connection the password (with its NUL) is XORed with the server's 20-byte
// nonce, repeated, and encrypted with the server's RSA public key using OAEP padding. The
// proxy does this itself when a client talked TLS to it but the backend hop is plaintext, and
// the reverse (with a key of its own) when a plaintext client meets a TLS backend.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcache::wire {

inline constexpr std::string_view kCachingSha2Plugin = "caching_sha2_password";
// The one-byte "send me your public key" message of the client.
inline constexpr std::uint8_t kCachingSha2RequestPublicKey = 0x02;

// `password` XOR `nonce`, the nonce repeated as often as needed. An empty nonce leaves the
// password as it is.
std::string xor_with_nonce(std::string_view password, std::string_view nonce);

// The encrypted password a client sends after the server's public key: RSA-OAEP (SHA-1, as
// MySQL's RSA_PKCS1_OAEP_PADDING) of xor_with_nonce(password + NUL, nonce). Nullopt when the
// PEM text is not an RSA public key or the password is too long for the key.
std::optional<std::string> encrypt_password(std::string_view public_key_pem,
                                            std::string_view password, std::string_view nonce);

// An RSA key pair of the proxy's own, for plaintext clients of a TLS backend (they ask for a
// public key; the proxy answers with this one and decrypts what they send).
class RsaKeyPair {
 public:
  // A fresh 2048-bit key; throws std::runtime_error if OpenSSL fails.
  static std::shared_ptr<const RsaKeyPair> generate();
  ~RsaKeyPair();
  RsaKeyPair(const RsaKeyPair&) = delete;
  RsaKeyPair& operator=(const RsaKeyPair&) = delete;

  const std::string& public_key_pem() const { return public_pem_; }
  // The password (without its NUL) from what encrypt_password() produced with this key's
  // public half and the same nonce; nullopt when it does not decrypt or has no NUL.
  std::optional<std::string> decrypt_password(std::string_view ciphertext,
                                              std::string_view nonce) const;

 private:
  struct Key;
  explicit RsaKeyPair(std::unique_ptr<Key> key, std::string public_pem);
  std::unique_ptr<Key> key_;
  std::string public_pem_;
};

}  // namespace sqlcache::wire
