#include "proxy/version.hpp"

namespace sqlcache::proxy {
std::string_view version() { return SQLCACHE_VERSION; }
}  // namespace sqlcache::proxy
