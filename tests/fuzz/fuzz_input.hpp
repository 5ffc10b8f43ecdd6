#pragma once
// What the fuzz targets share: a reader over the fuzzer's bytes, and a check that aborts (so
// libFuzzer reports the input as a crash) when an invariant of the code under test fails.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace sqlcache::fuzz {

// Takes selector bytes from the front; what is left is the message under test.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data, size) {}
  // The next byte, or 0 once the input is used up.
  std::uint8_t byte() {
    if (data_.empty()) return 0;
    std::uint8_t b = data_.front();
    data_ = data_.subspan(1);
    return b;
  }
  std::span<const std::uint8_t> rest() const { return data_; }

 private:
  std::span<const std::uint8_t> data_;
};

// A small deterministic generator for chunk sizes and choices, seeded from the input.
class Choices {
 public:
  explicit Choices(std::uint32_t seed) : state_(seed * 2654435761u + 1) {}
  std::uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

 private:
  std::uint32_t state_;
};

}  // namespace sqlcache::fuzz
