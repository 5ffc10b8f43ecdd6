#pragma once
// A read buffer: bytes received and not yet consumed, with room to receive more.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mysql_wire/bytes.hpp"

namespace sqlcache::proxy {

class ByteBuffer {
 public:
  explicit ByteBuffer(std::size_t initial_capacity) : initial_(initial_capacity) {
    storage_.resize(initial_capacity);
  }

  wire::ByteView data() const { return {storage_.data() + begin_, end_ - begin_}; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
      // Give back memory a large response needed, so idle connections stay small.
      if (storage_.size() > 16 * initial_) {
        storage_.resize(initial_);
        storage_.shrink_to_fit();
      }
    }
  }

  // Writable space of at least `min_free` bytes (compacting or growing as needed).
  std::uint8_t* prepare(std::size_t min_free) {
    if (storage_.size() - end_ < min_free) {
      if (begin_ > 0) {
        std::copy(storage_.begin() + static_cast<std::ptrdiff_t>(begin_),
                  storage_.begin() + static_cast<std::ptrdiff_t>(end_), storage_.begin());
        end_ -= begin_;
        begin_ = 0;
      }
      if (storage_.size() - end_ < min_free)
        storage_.resize(end_ + std::max(min_free, storage_.size()));
    }
    return storage_.data() + end_;
  }
  std::size_t free_space() const { return storage_.size() - end_; }
  void commit(std::size_t n) { end_ += n; }
  std::size_t capacity() const { return storage_.size(); }

 private:
  std::vector<std::uint8_t> storage_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t initial_;
};

}  // namespace sqlcache::proxy
