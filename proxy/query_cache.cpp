#include "proxy/query_cache.hpp"

#include "proxy/worker.hpp"

namespace sqlcache::proxy {

std::vector<std::unique_ptr<QueryCache>> make_query_caches(
    const config::Config&, const std::vector<std::unique_ptr<Worker>>& workers) {
  return std::vector<std::unique_ptr<QueryCache>>(workers.size());
}

}  // namespace sqlcache::proxy
