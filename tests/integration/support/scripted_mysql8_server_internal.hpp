#pragma once
// The pieces of the scripted MySQL 8 server that are not its interface: the encoding of the
// basic protocol types (https://dev.mysql.com/doc/dev/mysql-server/latest/
// page_protocol_basic_data_types.html), written here rather than taken from mysql_wire/ so the
// server does not share a bug with the proxy it tests, and the RSA decryption with its own key.
// Tests use scripted_mysql8_server.hpp.
#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcache::testing {

namespace caching_sha2 {
// decrypt_password() with the server's own key.
std::optional<std::string> decrypt_password(EVP_PKEY* key, std::string_view ciphertext,
                                            std::string_view nonce);
}  // namespace caching_sha2

namespace scripted_wire {

inline void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline void put_lenenc_int(std::string& out, std::uint64_t v) {
  if (v < 251) {
    out.push_back(static_cast<char>(v));
  } else if (v < (1u << 16)) {
    out.push_back(static_cast<char>(0xfc));
    put_u16(out, static_cast<std::uint16_t>(v));
  } else if (v < (1u << 24)) {
    out.push_back(static_cast<char>(0xfd));
    for (int i = 0; i < 3; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  } else {
    out.push_back(static_cast<char>(0xfe));
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

inline void put_lenenc_string(std::string& out, std::string_view s) {
  put_lenenc_int(out, s.size());
  out.append(s);
}

// Reads the fields of a client packet; every read fails softly past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  std::uint64_t fixed(std::size_t bytes) {
    if (!need(bytes)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += bytes;
    return v;
  }
  std::uint64_t lenenc_int() {
    const std::uint64_t first = fixed(1);
    if (first < 0xfb) return first;
    if (first == 0xfc) return fixed(2);
    if (first == 0xfd) return fixed(3);
    if (first == 0xfe) return fixed(8);
    ok_ = false;
    return 0;
  }
  std::string bytes(std::size_t n) {
    if (!need(n)) return {};
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string null_terminated() {
    if (!ok_) return {};
    const std::size_t end = data_.find('\0', pos_);
    if (end == std::string_view::npos) {
      ok_ = false;
      return {};
    }
    std::string s(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  std::string rest() { return bytes(remaining()); }

 private:
  bool need(std::size_t n) {
    if (ok_ && data_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace scripted_wire

}  // namespace sqlcache::testing
