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

// SHA-256 is fetched from the provider once, and each thread reuses one digest context: a
// fresh fetch and context per query was 39% of a hit's instructions (bench/results).
struct DigestContext {
  DigestContext() : md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx(EVP_MD_CTX_new()) {}
  ~DigestContext() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  EVP_MD* md;
  EVP_MD_CTX* ctx;
};

// Appends the 32 hex digits of the key hash to `out`.
void append_key_hash(std::string& out, const KeyContext& context, std::string_view normalized_sql,
                     wire::ByteView parameters) {
  thread_local DigestContext digest;
  EVP_MD_CTX* ctx = digest.ctx;
  EVP_DigestInit_ex2(ctx, digest.md, nullptr);
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
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest_bytes{};
  unsigned int digest_length = 0;
  EVP_DigestFinal_ex(ctx, digest_bytes.data(), &digest_length);

  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    out.push_back(kHex[digest_bytes[i] >> 4]);
    out.push_back(kHex[digest_bytes[i] & 0xF]);
  }
}

constexpr std::string_view kEntryPart = "q:";
constexpr std::size_t kHashDigits = 32;

}  // namespace

std::string derive_key(const KeyContext& context, std::string_view normalized_sql,
                       wire::ByteView parameters) {
  std::string key;
  key.reserve(kHashDigits);
  append_key_hash(key, context, normalized_sql, parameters);
  return key;
}

std::string derive_entry_key(std::string_view prefix, const KeyContext& context,
                             std::string_view normalized_sql, wire::ByteView parameters) {
  std::string key;
  key.reserve(prefix.size() + kEntryPart.size() + kHashDigits);
  key.append(prefix).append(kEntryPart);
  append_key_hash(key, context, normalized_sql, parameters);
  return key;
}

std::string entry_key(std::string_view prefix, std::string_view hash) {
  std::string key;
  key.reserve(prefix.size() + kEntryPart.size() + hash.size());
  key.append(prefix).append(kEntryPart).append(hash);
  return key;
}

std::string generation_key_prefix(std::string_view prefix) {
  return std::string(prefix).append("gen:");
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

std::string write_epoch_key(std::string_view prefix) {
  return std::string(prefix).append("gen:epoch");
}

}  // namespace sqlcache::cache
