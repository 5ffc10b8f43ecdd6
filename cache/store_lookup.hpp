#pragma once
// What a store lookup answers. Kept apart from the CacheStore interface (which is Asio) so that
// the pure code reading Redis replies into it (cache/redis_commands.hpp) builds without Asio and
// can be fuzzed (tests/fuzz/fuzz_resp_reply.cpp).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sqlcache::cache {

enum class LookupStatus { Hit, Miss, Error };

struct StoreLookup {
  LookupStatus status = LookupStatus::Error;
  // The stored bytes when Hit. Shared, not copied: the in-process store hands out the entry
  // it holds (immutable), so a hit of a large result copies nothing.
  std::shared_ptr<const std::string> value;
  std::vector<std::uint64_t> generations;  // current value of each generation key, 0 when the
                                           // key does not exist; filled for Hit and Miss

  std::string_view bytes() const { return value ? std::string_view(*value) : std::string_view{}; }
};

}  // namespace sqlcache::cache
