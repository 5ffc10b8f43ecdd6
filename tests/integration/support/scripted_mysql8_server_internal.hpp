#pragma once
// Shared between the two files of the scripted MySQL 8 server; tests use
// scripted_mysql8_server.hpp.
#include <openssl/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace sqlcache::testing::caching_sha2 {

// decrypt_password() with the server's own key.
std::optional<std::string> decrypt_password(EVP_PKEY* key, std::string_view ciphertext,
                                            std::string_view nonce);

}  // namespace sqlcache::testing::caching_sha2
