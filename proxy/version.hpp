#pragma once
#include <string_view>

namespace sqlcache::proxy {
// The release of sqlcache, from the top-level CMakeLists.txt.
std::string_view version();
}  // namespace sqlcache::proxy
