// The caching_sha2_password arithmetic of the scripted MySQL 8 server (declared in
// scripted_mysql8_server.hpp). Formulas: mysql-server sql/auth/sha2_password.cc
// (page_caching_sha2_authentication_exchanges, Validate_scramble) and sql_authentication.cc
// (decrypt_RSA_private_key: RSA_PKCS1_OAEP_PADDING, OpenSSL's default SHA-1 / MGF1-SHA-1).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>

#include "support/scripted_mysql8_server.hpp"
#include "support/scripted_mysql8_server_internal.hpp"

namespace sqlcache::testing {

namespace caching_sha2 {

namespace {

std::string xor_equal_length(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
  return out;
}

struct PkeyContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string scramble(std::string_view password, std::string_view nonce) {
  const std::string stage1 = sha256(password);
  const std::string stage2 = sha256(stage1);
  return xor_equal_length(stage1, sha256(stage2 + std::string(nonce)));
}

bool scramble_matches(std::string_view scramble, std::string_view cached_digest,
                      std::string_view nonce) {
  // scramble XOR SHA256(cached || nonce) is SHA256(password) when the client knew the
  // password whose SHA256(SHA256()) the cache holds.
  if (scramble.size() != 32 || cached_digest.size() != 32) return false;
  const std::string candidate =
      xor_equal_length(scramble, sha256(std::string(cached_digest) + std::string(nonce)));
  const std::string check = sha256(candidate);
  return CRYPTO_memcmp(check.data(), cached_digest.data(), check.size()) == 0;
}

std::string xor_with_nonce(std::string_view data, std::string_view nonce) {
  std::string out(data);
  if (nonce.empty()) return out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= nonce[i % nonce.size()];
  return out;
}

std::optional<std::string> decrypt_password(EVP_PKEY* key, std::string_view ciphertext,
                                            std::string_view nonce) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyContextFree> context(EVP_PKEY_CTX_new(key, nullptr));
  if (!context || EVP_PKEY_decrypt_init(context.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) <= 0) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  std::size_t length = 0;
  if (EVP_PKEY_decrypt(context.get(), nullptr, &length, in, ciphertext.size()) <= 0) {
    return std::nullopt;
  }
  std::string plain(length, '\0');
  if (EVP_PKEY_decrypt(context.get(), reinterpret_cast<unsigned char*>(plain.data()), &length, in,
                       ciphertext.size()) <= 0) {
    return std::nullopt;
  }
  plain.resize(length);
  // The server XORs with the 20-byte nonce and takes the password up to its NUL (strlen).
  plain = xor_with_nonce(plain, nonce);
  return plain.substr(0, plain.find('\0'));
}

std::optional<std::string> decrypt_password(std::string_view private_key_pem,
                                            std::string_view ciphertext, std::string_view nonce) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  if (bio == nullptr) return std::nullopt;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return std::nullopt;
  std::optional<std::string> password = decrypt_password(key, ciphertext, nonce);
  EVP_PKEY_free(key);
  return password;
}

}  // namespace caching_sha2

}  // namespace sqlcache::testing
