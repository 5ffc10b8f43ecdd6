#include "cache/cache_key.hpp"

#include <openssl/evp.h>

#include <array>

namespace sqlcache::cache {
namespace {

// Each field is length-prefixed so that no two different contexts hash the same bytes.
void add_field(EVP_MD_CTX* ctx, std::string_view field) {
  std::array<unsigned char, 8> length{};
  for (std::size_t i = 0; i < length.size(); ++i) {
    length[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(field.size()) >> (8 * i));
  }
  EVP_DigestUpdate(ctx, length.data(), length.size());
  EVP_DigestUpdate(ctx, field.data(), field.size());
}

}  // namespace

std::string derive_key(const KeyContext& context, std::string_view normalized_sql,
                       wire::ByteView parameters) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  add_field(ctx, "sqlcache-key-v1");
  add_field(ctx, normalized_sql);
  add_field(ctx, context.schema);
  add_field(ctx, context.user);
  add_field(ctx, context.session_state);
  std::array<char, 10> fixed{};
  for (int i = 0; i < 8; ++i) {
    fixed[i] = static_cast<char>(context.encoding_capabilities >> (8 * i));
  }
  fixed[8] = static_cast<char>(context.character_set);
  fixed[9] = context.binary_protocol ? 1 : 0;
  add_field(ctx, std::string_view(fixed.data(), fixed.size()));
  add_field(ctx, wire::as_chars(parameters));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &digest_length);
  EVP_MD_CTX_free(ctx);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(32);
  for (int i = 0; i < 16; ++i) {
    key.push_back(kHex[digest[i] >> 4]);
    key.push_back(kHex[digest[i] & 0xF]);
  }
  return key;
}

std::string entry_key(std::string_view prefix, std::string_view hash) {
  std::string key;
  key.reserve(prefix.size() + 2 + hash.size());
  key.append(prefix).append("q:").append(hash);
  return key;
}

std::string table_generation_key(std::string_view prefix, std::string_view schema,
                                 std::string_view table) {
  std::string key;
  key.reserve(prefix.size() + 7 + schema.size() + table.size());
  key.append(prefix).append("gen:t:").append(schema).append(".").append(table);
  return key;
}

std::string schema_generation_key(std::string_view prefix, std::string_view schema) {
  return std::string(prefix).append("gen:s:").append(schema);
}

std::string global_generation_key(std::string_view prefix) {
  return std::string(prefix).append("gen:all");
}

}  // namespace sqlcache::cache
