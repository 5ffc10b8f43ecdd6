#include "mysql_wire/caching_sha2.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

namespace sqlcache::wire {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// Runs an OAEP encryption (encrypt = true) or decryption with `key`.
std::optional<std::string> rsa_oaep(EVP_PKEY* key, std::string_view input, bool encrypt) {
  CtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) return std::nullopt;
  const int init = encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (init <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t out_size = 0;
  int sized = encrypt ? EVP_PKEY_encrypt(ctx.get(), nullptr, &out_size, in, input.size())
                      : EVP_PKEY_decrypt(ctx.get(), nullptr, &out_size, in, input.size());
  if (sized <= 0) return std::nullopt;
  std::string out(out_size, '\0');
  auto* out_data = reinterpret_cast<unsigned char*>(out.data());
  int done = encrypt ? EVP_PKEY_encrypt(ctx.get(), out_data, &out_size, in, input.size())
                     : EVP_PKEY_decrypt(ctx.get(), out_data, &out_size, in, input.size());
  if (done <= 0) return std::nullopt;
  out.resize(out_size);
  return out;
}

}  // namespace

std::string xor_with_nonce(std::string_view password, std::string_view nonce) {
  std::string out(password);
  if (nonce.empty()) return out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= nonce[i % nonce.size()];
  return out;
}

std::optional<std::string> encrypt_password(std::string_view public_key_pem,
                                            std::string_view password, std::string_view nonce) {
  BioPtr bio(BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())));
  if (!bio) return std::nullopt;
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return std::nullopt;
  std::string plain(password);
  plain.push_back('\0');
  return rsa_oaep(key.get(), xor_with_nonce(plain, nonce), /*encrypt=*/true);
}

struct RsaKeyPair::Key {
  PkeyPtr pkey;
};

RsaKeyPair::RsaKeyPair(std::unique_ptr<Key> key, std::string public_pem)
    : key_(std::move(key)), public_pem_(std::move(public_pem)) {}

RsaKeyPair::~RsaKeyPair() = default;

std::shared_ptr<const RsaKeyPair> RsaKeyPair::generate() {
  PkeyPtr pkey(EVP_RSA_gen(2048));
  if (!pkey) throw std::runtime_error("cannot generate an RSA key (OpenSSL EVP_RSA_gen failed)");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    throw std::runtime_error("cannot write an RSA public key as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(size));
  auto key = std::make_unique<Key>();
  key->pkey = std::move(pkey);
  return std::shared_ptr<const RsaKeyPair>(new RsaKeyPair(std::move(key), std::move(pem)));
}

std::optional<std::string> RsaKeyPair::decrypt_password(std::string_view ciphertext,
                                                        std::string_view nonce) const {
  auto plain = rsa_oaep(key_->pkey.get(), ciphertext, /*encrypt=*/false);
  if (!plain) return std::nullopt;
  std::string password = xor_with_nonce(*plain, nonce);
  if (password.empty() || password.back() != '\0') return std::nullopt;
  password.pop_back();
  return password;
}

}  // namespace sqlcache::wire
