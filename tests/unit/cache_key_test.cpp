// Cache keys: equal exactly when everything that can change the bytes of a result is equal.
#include <gtest/gtest.h>

#include "cache/cache_key.hpp"

namespace sqlcache::cache {
namespace {

KeyContext base() {
  KeyContext c;
  c.schema = "shop";
  c.user = "app";
  c.session_state = "";
  c.encoding_capabilities = 1u << 24;
  c.character_set = 45;
  return c;
}

TEST(CacheKey, IsStableAnd32HexDigits) {
  std::string key = derive_key(base(), "SELECT * FROM t");
  EXPECT_EQ(key, derive_key(base(), "SELECT * FROM t"));
  ASSERT_EQ(key.size(), 32u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(CacheKey, EveryContextFieldChangesTheKey) {
  const std::string reference = derive_key(base(), "SELECT * FROM t");
  KeyContext c = base();
  c.schema = "other";
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  c = base();
  c.user = "admin";
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  c = base();
  c.session_state = "SET NAMES latin1";
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  c = base();
  c.encoding_capabilities = 0;
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  c = base();
  c.character_set = 8;
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  c = base();
  c.binary_protocol = true;
  EXPECT_NE(derive_key(c, "SELECT * FROM t"), reference);
  EXPECT_NE(derive_key(base(), "SELECT * FROM t", wire::as_bytes("x")), reference);
}

TEST(CacheKey, FieldBoundariesCannotBeShifted) {
  // "ab" + "c" must not collide with "a" + "bc".
  KeyContext a = base();
  a.schema = "ab";
  a.user = "c";
  KeyContext b = base();
  b.schema = "a";
  b.user = "bc";
  EXPECT_NE(derive_key(a, "SELECT 1"), derive_key(b, "SELECT 1"));
}

TEST(StoreKeys, AnEntryKeyIsThePrefixedHash) {
  const std::string params = "\x01\x02";
  const wire::ByteView bytes = wire::as_bytes(params);
  EXPECT_EQ(derive_entry_key("sc:", base(), "SELECT ?", bytes),
            entry_key("sc:", derive_key(base(), "SELECT ?", bytes)));
  EXPECT_EQ(derive_entry_key("", base(), "SELECT 1"),
            entry_key("", derive_key(base(), "SELECT 1")));
}

TEST(StoreKeys, NamesAreReadableAndPrefixed) {
  EXPECT_EQ(entry_key("sc:", "abc"), "sc:q:abc");
  EXPECT_EQ(table_generation_key("sc:", "shop", "orders"), "sc:gen:t:shop.orders");
  EXPECT_EQ(schema_generation_key("sc:", "shop"), "sc:gen:s:shop");
  EXPECT_EQ(global_generation_key("sc:"), "sc:gen:all");
}

}  // namespace
}  // namespace sqlcache::cache
