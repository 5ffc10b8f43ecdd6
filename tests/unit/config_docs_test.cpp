// docs/configuration.md is the operator's reference: it must mention every key the loader
// accepts and every flag the command line accepts, so that neither can be added silently.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/command_line.hpp"
#include "config/config_keys.hpp"

namespace sqlcache::config {
namespace {

// "`name`" as the reference writes keys and flags. Built by appending: g++ 12 warns
// (-Wrestrict, a known false positive) on "literal" + std::string at -O2 and above.
std::string quoted(std::string_view name, bool closed) {
  std::string out = "`";
  out += name;
  if (closed) out += '`';
  return out;
}

std::string read_reference() {
  std::ifstream in(std::string(SQLCACHE_TEST_DATA_DIR) + "/../../docs/configuration.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> every_key_path() {
  std::vector<std::string> paths;
  auto add = [&](std::string_view prefix, auto keys) {
    for (std::string_view key : keys) paths.push_back(std::string(prefix) + std::string(key));
  };
  add("", keys::kTopLevel);
  add("backend.", keys::kBackend);
  add("backend.tls.", keys::kBackendTls);
  add("client_tls.", keys::kClientTls);
  add("cache.", keys::kCache);
  add("cache.tables[].", keys::kTableRule);
  add("admin.", keys::kAdmin);
  add("log.", keys::kLog);
  return paths;
}

TEST(ConfigurationReference, DescribesEveryKey) {
  std::string reference = read_reference();
  ASSERT_FALSE(reference.empty()) << "docs/configuration.md is missing";
  for (const std::string& path : every_key_path()) {
    EXPECT_NE(reference.find(quoted(path, true)), std::string::npos) << path;
  }
}

TEST(ConfigurationReference, DescribesEveryFlag) {
  std::string reference = read_reference();
  for (std::string_view flag : flag_names()) {
    EXPECT_NE(reference.find(quoted(flag, false)), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace sqlcache::config
