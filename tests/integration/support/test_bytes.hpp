#pragma once
// Deterministic test payloads: every byte value occurs (NUL, 0xFF, bytes that look like packet
// headers), and a seed makes two payloads of the same length differ, so a relay that mixes up
// or truncates buffers cannot pass by accident.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sqlcache::testing {

std::string pattern_bytes(std::size_t length, std::uint32_t seed);

// A file under /tmp with the given content, removed when this goes out of scope.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& content);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sqlcache::testing
