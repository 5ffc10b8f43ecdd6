#pragma once
// The cache path of a session: decides per command whether the cache answers, and keeps
// table generations in step with writes (design decisions 5, 6, 7).
#include <memory>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "proxy/asio.hpp"
#include "proxy/packet_channel.hpp"

namespace sqlcache::proxy {

class Session;
class Worker;

class QueryCache {
 public:
  virtual ~QueryCache() = default;
  // Handles `command` if the cache has something to do with it; nullopt: relay it plainly.
  // Otherwise, like Session::handle_command: false when the connection cannot go on.
  virtual awaitable<std::optional<bool>> handle(Session& session, const PacketView& command) = 0;
  // A new configuration (SIGHUP): rules and policy apply to the next query.
  virtual void apply_policy(const config::Config& config) = 0;
};

// One QueryCache per worker (nullptr entries when caching is off).
std::vector<std::unique_ptr<QueryCache>> make_query_caches(
    const config::Config& config, const std::vector<std::unique_ptr<Worker>>& workers);

}  // namespace sqlcache::proxy
