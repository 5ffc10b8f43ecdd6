#pragma once
// Little-endian integers and length-encoded values as the MySQL protocol writes them.
// https://mariadb.com/kb/en/protocol-data-types/
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::wire {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Reads protocol values from a byte span. A read past the end sets the reader to failed
// and returns zero/empty values, so decoders read a whole message and check ok() once.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const { return remaining() == 0; }
  std::size_t position() const { return pos_; }
  ByteView rest() const { return ok_ ? data_.subspan(pos_) : ByteView{}; }

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u24();
  std::uint32_t u32();
  std::uint64_t u48();
  std::uint64_t u64();
  std::uint64_t uint_n(std::size_t n);
  // Length-encoded integer. 0xFB (NULL) and 0xFF are not integers: they fail the reader.
  std::uint64_t lenenc();
  // Peeks whether the next length-encoded value is NULL (0xFB).
  bool next_is_null() const;
  ByteView bytes(std::size_t n);
  std::string_view string(std::size_t n) { return as_chars(bytes(n)); }
  std::string_view lenenc_string();
  // A NUL-terminated string; the NUL is consumed, not returned. Fails without a NUL.
  std::string_view null_string();
  // Everything left.
  std::string_view eof_string();
  void skip(std::size_t n) { bytes(n); }
  void fail() { ok_ = false; }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Appends protocol values to a byte vector.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { uint_n(v, 2); }
  void u24(std::uint32_t v) { uint_n(v, 3); }
  void u32(std::uint32_t v) { uint_n(v, 4); }
  void u64(std::uint64_t v) { uint_n(v, 8); }
  void uint_n(std::uint64_t v, std::size_t n);
  void lenenc(std::uint64_t v);
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void string(std::string_view s) { bytes(as_bytes(s)); }
  void lenenc_string(std::string_view s) {
    lenenc(s.size());
    string(s);
  }
  void null_string(std::string_view s) {
    string(s);
    u8(0);
  }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

 private:
  Bytes& out_;
};

// Size in bytes of the length-encoded integer v.
std::size_t lenenc_size(std::uint64_t v);

}  // namespace sqlcache::wire
