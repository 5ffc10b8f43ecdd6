#pragma once
// What a store lookup answers. Kept apart from the CacheStore interface (which is Asio) so that
// the pure code reading Redis replies into it (cache/redis_commands.hpp) builds without Asio and
// can be fuzzed (tests/fuzz/fuzz_resp_reply.cpp).
#include <cstdint>
#include <string>
#include <vector>

namespace sqlcache::cache {

enum class LookupStatus { Hit, Miss, Error };

struct StoreLookup {
  LookupStatus status = LookupStatus::Error;
  std::string value;                       // stored bytes when Hit
  std::vector<std::uint64_t> generations;  // current value of each generation key, 0 when the
                                           // key does not exist; filled for Hit and Miss
};

}  // namespace sqlcache::cache
