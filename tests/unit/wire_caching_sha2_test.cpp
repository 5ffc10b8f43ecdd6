// caching_sha2_password's full-authentication cryptography, checked against OpenSSL used
// directly: what the proxy sends must be what a MySQL server decrypts.
#include "mysql_wire/caching_sha2.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

namespace sqlcache::wire {
namespace {

// A 20-byte nonce as a server sends it (printable here for readability; real ones are any
// bytes except NUL).
const std::string kNonce = "abcdefghijklmnopqrst";

std::string public_pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

struct ServerKey {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  ~ServerKey() { EVP_PKEY_free(pkey); }

  std::string public_pem() const { return public_pem_of(pkey); }

  // What a MySQL server does with the client's packet: RSA-OAEP decrypt.
  std::string decrypt(const std::string& ciphertext) const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey, nullptr);
    EVP_PKEY_decrypt_init(ctx);
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
    std::string out(512, '\0');
    std::size_t size = out.size();
    int ok = EVP_PKEY_decrypt(ctx, reinterpret_cast<unsigned char*>(out.data()), &size,
                              reinterpret_cast<const unsigned char*>(ciphertext.data()),
                              ciphertext.size());
    EVP_PKEY_CTX_free(ctx);
    if (ok <= 0) return "<decrypt failed>";
    out.resize(size);
    return out;
  }
};

TEST(CachingSha2, XorRepeatsTheNonce) {
  // 'a' ^ 'a' = 0, and the 21st byte uses the nonce's first byte again.
  std::string password = "abc" + std::string(17, 'x') + "a";
  std::string mixed = xor_with_nonce(password, kNonce);
  ASSERT_EQ(mixed.size(), password.size());
  EXPECT_EQ(mixed[0], '\0');
  EXPECT_EQ(mixed[1], '\0');
  EXPECT_EQ(mixed[2], '\0');
  EXPECT_EQ(mixed[3], static_cast<char>('x' ^ 'd'));
  EXPECT_EQ(mixed[20], '\0');
  EXPECT_EQ(xor_with_nonce(mixed, kNonce), password);
  EXPECT_EQ(xor_with_nonce("secret", ""), "secret");
}

TEST(CachingSha2, ServerDecryptsPasswordXorNonceWithItsNul) {
  ServerKey server;
  auto encrypted = encrypt_password(server.public_pem(), "app-secret", kNonce);
  ASSERT_TRUE(encrypted.has_value());
  EXPECT_EQ(encrypted->size(), 256u);  // one RSA-2048 block
  std::string plain = server.decrypt(*encrypted);
  EXPECT_EQ(xor_with_nonce(plain, kNonce), std::string("app-secret\0", 11));
}

TEST(CachingSha2, EncryptionIsRandomised) {
  ServerKey server;
  auto first = encrypt_password(server.public_pem(), "pw", kNonce);
  auto second = encrypt_password(server.public_pem(), "pw", kNonce);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);  // OAEP: never the same ciphertext twice
}

TEST(CachingSha2, RejectsWhatIsNotAnRsaPublicKey) {
  EXPECT_FALSE(encrypt_password("", "pw", kNonce));
  EXPECT_FALSE(encrypt_password("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                "pw", kNonce));
  EVP_PKEY* ec_key = EVP_EC_gen("P-256");
  const std::string ec_pem = public_pem_of(ec_key);
  EVP_PKEY_free(ec_key);
  EXPECT_FALSE(encrypt_password(ec_pem, "pw", kNonce));
}

TEST(CachingSha2, PasswordTooLongForTheKeyIsRefused) {
  ServerKey server;
  // RSA-2048 with OAEP (SHA-1) holds at most 256 - 42 = 214 bytes, the NUL included.
  EXPECT_TRUE(encrypt_password(server.public_pem(), std::string(213, 'p'), kNonce));
  EXPECT_FALSE(encrypt_password(server.public_pem(), std::string(214, 'p'), kNonce));
}

TEST(CachingSha2, ProxyKeyPairRoundTrip) {
  auto key = RsaKeyPair::generate();
  EXPECT_NE(key->public_key_pem().find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  auto encrypted = encrypt_password(key->public_key_pem(), "s3cr\xC3\xA9t", kNonce);
  ASSERT_TRUE(encrypted);
  EXPECT_EQ(key->decrypt_password(*encrypted, kNonce), "s3cr\xC3\xA9t");
  // The wrong nonce leaves no NUL at the end (or the wrong password): never the right one.
  EXPECT_NE(key->decrypt_password(*encrypted, "ABCDEFGHIJKLMNOPQRST"), "s3cr\xC3\xA9t");
}

TEST(CachingSha2, ProxyKeyRejectsForeignCiphertext) {
  auto key = RsaKeyPair::generate();
  ServerKey other;
  auto encrypted = encrypt_password(other.public_pem(), "pw", kNonce);
  ASSERT_TRUE(encrypted);
  EXPECT_FALSE(key->decrypt_password(*encrypted, kNonce));
  EXPECT_FALSE(key->decrypt_password("", kNonce));
  EXPECT_FALSE(key->decrypt_password(std::string(256, '\x01'), kNonce));
}

}  // namespace
}  // namespace sqlcache::wire
