#pragma once
// The cache path of a session: decides per command whether the cache answers, and keeps
// table generations in step with writes (design decisions 5, 6, 7).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "proxy/asio.hpp"
#include "proxy/cache_policy.hpp"
#include "proxy/metrics_exposition.hpp"
#include "proxy/packet_channel.hpp"

namespace sqlcache::proxy {

class Session;
class Worker;

class QueryCache {
 public:
  virtual ~QueryCache() = default;
  // Handles a command (any but COM_QUIT, COM_CHANGE_USER and unsupported ones): answers it from
  // the cache, or relays it keeping generations and session state in step. Like
  // Session::handle_command: false when the connection cannot go on.
  virtual awaitable<bool> handle(Session& session, const PacketView& command) = 0;
  // A new configuration (SIGHUP): rules and policy apply to the next query.
  virtual void apply_policy(std::shared_ptr<const CachePolicy> policy) = 0;
  // Bumps generation keys in the store (admin invalidation); false on store error.
  virtual awaitable<bool> invalidate(std::vector<std::string> generation_keys) = 0;
  virtual StoreStatus store_status() const = 0;
};

// One QueryCache per worker (nullptr entries when caching is off). `control`: the executor of
// the control thread, where the near cache's listener runs (cache.near_cache_limit).
std::vector<std::unique_ptr<QueryCache>> make_query_caches(
    const config::Config& config, std::shared_ptr<const CachePolicy> policy,
    const std::vector<std::unique_ptr<Worker>>& workers, asio::any_io_executor control);

}  // namespace sqlcache::proxy
