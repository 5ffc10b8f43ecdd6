#include "support/test_bytes.hpp"

#include <unistd.h>

#include <cstdlib>

namespace sqlcache::testing {

std::string pattern_bytes(std::size_t length, std::uint32_t seed) {
  std::string bytes(length, '\0');
  // xorshift32: cheap, and its output covers all byte values evenly.
  std::uint32_t state = seed == 0 ? 0x9E3779B9u : seed;
  for (char& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<char>(state & 0xFF);
  }
  return bytes;
}

TemporaryFile::TemporaryFile(const std::string& content) {
  char name[] = "/tmp/sqlcache-test-XXXXXX";
  const int fd = mkstemp(name);
  if (fd < 0) return;
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(fd);
  if (written == content.size()) {
    path_ = name;
  } else {
    unlink(name);
  }
}

TemporaryFile::~TemporaryFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace sqlcache::testing
