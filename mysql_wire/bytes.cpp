#include "mysql_wire/bytes.hpp"

namespace sqlcache::wire {

ByteView ByteReader::bytes(std::size_t n) {
  if (!ok_ || data_.size() - pos_ < n) {
    ok_ = false;
    return {};
  }
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint64_t ByteReader::uint_n(std::size_t n) {
  ByteView b = bytes(n);
  std::uint64_t v = 0;
  for (std::size_t i = b.size(); i > 0; --i) v = (v << 8) | b[i - 1];
  return v;
}

std::uint8_t ByteReader::u8() { return static_cast<std::uint8_t>(uint_n(1)); }
std::uint16_t ByteReader::u16() { return static_cast<std::uint16_t>(uint_n(2)); }
std::uint32_t ByteReader::u24() { return static_cast<std::uint32_t>(uint_n(3)); }
std::uint32_t ByteReader::u32() { return static_cast<std::uint32_t>(uint_n(4)); }
std::uint64_t ByteReader::u48() { return uint_n(6); }
std::uint64_t ByteReader::u64() { return uint_n(8); }

std::uint64_t ByteReader::lenenc() {
  std::uint8_t first = u8();
  if (!ok_) return 0;
  if (first < 0xFB) return first;
  switch (first) {
    case 0xFC:
      return uint_n(2);
    case 0xFD:
      return uint_n(3);
    case 0xFE:
      return uint_n(8);
    default:  // 0xFB is NULL, 0xFF is an ERR marker: neither is an integer.
      ok_ = false;
      return 0;
  }
}

bool ByteReader::next_is_null() const { return ok_ && pos_ < data_.size() && data_[pos_] == 0xFB; }

std::string_view ByteReader::lenenc_string() {
  std::uint64_t n = lenenc();
  if (!ok_ || n > remaining()) {
    ok_ = false;
    return {};
  }
  return string(static_cast<std::size_t>(n));
}

std::string_view ByteReader::null_string() {
  if (!ok_) return {};
  for (std::size_t i = pos_; i < data_.size(); ++i) {
    if (data_[i] == 0) {
      std::string_view out = as_chars(data_.subspan(pos_, i - pos_));
      pos_ = i + 1;
      return out;
    }
  }
  ok_ = false;
  return {};
}

std::string_view ByteReader::eof_string() { return string(remaining()); }

void ByteWriter::uint_n(std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void ByteWriter::lenenc(std::uint64_t v) {
  if (v < 0xFB) {
    u8(static_cast<std::uint8_t>(v));
  } else if (v <= 0xFFFF) {
    u8(0xFC);
    uint_n(v, 2);
  } else if (v <= 0xFFFFFF) {
    u8(0xFD);
    uint_n(v, 3);
  } else {
    u8(0xFE);
    uint_n(v, 8);
  }
}

std::size_t lenenc_size(std::uint64_t v) {
  if (v < 0xFB) return 1;
  if (v <= 0xFFFF) return 3;
  if (v <= 0xFFFFFF) return 4;
  return 9;
}

}  // namespace sqlcache::wire
