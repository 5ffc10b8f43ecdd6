#pragma once
// The Redis commands behind each CacheStore operation, and how their replies read. Pure, so the
// mapping is unit-tested without a server; cache/redis_store.cpp only sends and routes.
//
//   lookup       GET key + MGET gen... (one write, one round trip); with a near cache PTTL key
//                first, so the copy it keeps expires with the entry
//   put          SET key value PX ttl
//   bump         INCR gen (one per key, pipelined)
//   generations  MGET gen...
//   handshake    AUTH [username] password, SELECT db (each only when configured)
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_codec.hpp"
#include "cache/redis_options.hpp"
#include "cache/store_lookup.hpp"

namespace sqlcache::cache {

// Commands written together, and how many replies they produce.
struct RedisRequest {
  std::string bytes;
  std::size_t reply_count = 0;
};

RedisRequest lookup_request(std::string_view key, std::span<const std::string> generation_keys);
// PTTL key: put before a lookup's GET, so that an entry written in between is given the
// earlier (shorter) answer, never a later one.
RedisRequest remaining_ttl_request(std::string_view key);
// Appends `more` to `request`: one write, replies in order.
void append(RedisRequest& request, const RedisRequest& more);
RedisRequest put_request(std::string_view key, std::string_view value,
                         std::chrono::milliseconds ttl);
RedisRequest bump_request(std::span<const std::string> generation_keys);
RedisRequest generations_request(std::span<const std::string> generation_keys);
RedisRequest handshake_request(const RedisOptions& options);

// Each reader returns nullopt/false and sets `error` when the replies cannot be what the
// command answers (including an error reply from the server). Readers take the replies by
// span of mutable elements so a hit's value is moved, not copied.
std::optional<StoreLookup> read_lookup_replies(std::span<RedisReply> replies,
                                               std::size_t generation_count, std::string& error);
// PTTL's reply as how long a value read after it may be kept: the time left, 0 when the key
// did not exist, milliseconds::max() when it has no expiry.
std::optional<std::chrono::milliseconds> read_remaining_ttl(const RedisReply& reply,
                                                            std::string& error);
bool read_put_reply(std::span<RedisReply> replies, std::string& error);
bool read_bump_replies(std::span<RedisReply> replies, std::string& error);
std::optional<std::vector<std::uint64_t>> read_generations_reply(std::span<RedisReply> replies,
                                                                 std::size_t generation_count,
                                                                 std::string& error);
bool read_handshake_replies(std::span<RedisReply> replies, const RedisOptions& options,
                            std::string& error);

// A generation counter as MGET returns it: a decimal bulk string, or nil for 0.
std::optional<std::uint64_t> parse_generation(const RedisReply& reply);

}  // namespace sqlcache::cache
