#include <gtest/gtest.h>

#include "config/store_url.hpp"

namespace sqlcache::config {
namespace {

StoreUrl parsed_or_fail(std::string_view text) {
  auto url = parse_store_url(text);
  EXPECT_TRUE(url.ok()) << text << ": " << (url.ok() ? "" : url.error());
  return url.ok() ? *url : StoreUrl{};
}

TEST(StoreUrl, NoneAndMemoryAreWords) {
  EXPECT_EQ(parsed_or_fail("none").scheme, StoreScheme::none);
  EXPECT_EQ(parsed_or_fail("memory").scheme, StoreScheme::memory);
  EXPECT_FALSE(parsed_or_fail("memory").is_redis());
}

TEST(StoreUrl, RedisHostGetsTheDefaultPortAndDatabase) {
  StoreUrl url = parsed_or_fail("redis://cache.example.com");
  EXPECT_EQ(url.scheme, StoreScheme::redis);
  EXPECT_EQ(url.host, "cache.example.com");
  EXPECT_EQ(url.port, 6379);
  EXPECT_EQ(url.db, 0u);
  EXPECT_TRUE(url.username.empty());
  EXPECT_TRUE(url.password.empty());
  EXPECT_FALSE(url.uses_tls());
}

TEST(StoreUrl, ReadsEveryPart) {
  StoreUrl url = parsed_or_fail("rediss://sqlcache:s3cret@cache:6380/3");
  EXPECT_EQ(url.scheme, StoreScheme::rediss);
  EXPECT_TRUE(url.uses_tls());
  EXPECT_EQ(url.host, "cache");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.username, "sqlcache");
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_EQ(url.db, 3u);
}

TEST(StoreUrl, PasswordWithoutUserIsLegacyAuth) {
  StoreUrl url = parsed_or_fail("redis://:s3cret@127.0.0.1:6379");
  EXPECT_EQ(url.username, "");
  EXPECT_EQ(url.password, "s3cret");
}

TEST(StoreUrl, UserWithoutPassword) {
  StoreUrl url = parsed_or_fail("redis://reader@127.0.0.1");
  EXPECT_EQ(url.username, "reader");
  EXPECT_EQ(url.password, "");
}

TEST(StoreUrl, DecodesPercentEscapesInCredentials) {
  StoreUrl url = parsed_or_fail("redis://us%65r:p%40ss%3Aw%2Fd%25@cache:6379");
  EXPECT_EQ(url.username, "user");
  EXPECT_EQ(url.password, "p@ss:w/d%");
}

TEST(StoreUrl, UnescapedAtInPasswordSplitsAtTheLastOne) {
  StoreUrl url = parsed_or_fail("redis://u:p@ss@cache");
  EXPECT_EQ(url.password, "p@ss");
  EXPECT_EQ(url.host, "cache");
}

TEST(StoreUrl, ReadsIPv6Hosts) {
  StoreUrl with_port = parsed_or_fail("redis://[::1]:6380");
  EXPECT_EQ(with_port.host, "::1");
  EXPECT_EQ(with_port.port, 6380);
  StoreUrl without_port = parsed_or_fail("redis://[::1]");
  EXPECT_EQ(without_port.host, "::1");
  EXPECT_EQ(without_port.port, 6379);
}

TEST(StoreUrl, EmptyPathIsDatabaseZero) { EXPECT_EQ(parsed_or_fail("redis://cache/").db, 0u); }

TEST(StoreUrl, RejectsWhatItCannotUse) {
  struct Case {
    const char* url;
    const char* error;
  };
  const Case cases[] = {
      {"", "expected none, memory, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://..."},
      {"Memory", "expected none, memory, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://..."},
      {"http://cache:6379",
       "expected none, memory, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://..."},
      {"redis://", "the store URL has no host"},
      {"redis://u:p@", "the store URL has no host"},
      {"redis://cache:0", "in the store URL: port 0 is not allowed here (use 1-65535)"},
      {"redis://cache:70000", "in the store URL: the port is out of range 1-65535"},
      {"redis://cache:", "in the store URL: missing port number"},
      {"redis://cache/x", "the database index after '/' must be a number (0 to 2147483647)"},
      {"redis://cache/2147483648",
       "the database index after '/' must be a number (0 to 2147483647)"},
      {"redis://cache/0/1", "the database index after '/' must be a number (0 to 2147483647)"},
      {"redis://cache?db=1",
       "query parameters are not supported in the store URL; use the cache keys username, "
       "password and ca"},
      {"redis://::1:6379", "in the store URL: IPv6 addresses need brackets, as in [::1]:3307"},
      {"redis://u:p%4@cache",
       "in the store URL's password: '%' must be followed by two hex digits"},
      {"redis://%zz@cache", "in the store URL's user name: '%' must be followed by two hex digits"},
      {"redis://ca che", "the store URL's host is not a valid name or IP"},
  };
  for (const Case& c : cases) {
    auto url = parse_store_url(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.error(), c.error) << c.url;
  }
}

TEST(StoreUrl, ErrorsNeverRepeatThePassword) {
  for (const char* text : {"redis://u:hunter2@cache:99999", "redis://u:hunter2@cache/x",
                           "redis://u:hunter2%@cache", "redis://u:hunter2@"}) {
    auto url = parse_store_url(text);
    ASSERT_FALSE(url.ok()) << text;
    EXPECT_EQ(url.error().find("hunter2"), std::string::npos) << url.error();
  }
}

TEST(StoreUrl, ToStringHidesThePassword) {
  StoreUrl url = parsed_or_fail("rediss://app%40team:hunter2@cache:6380/2");
  EXPECT_EQ(url.to_string(), "rediss://app%40team:***@cache:6380/2");
  EXPECT_EQ(parsed_or_fail("redis://[::1]").to_string(), "redis://[::1]:6379");
  EXPECT_EQ(parsed_or_fail("memory").to_string(), "memory");
  EXPECT_EQ(parsed_or_fail("none").to_string(), "none");
}

TEST(StoreUrl, ToStringWithoutPasswordParsesBack) {
  StoreUrl url = parsed_or_fail("redis://a%20b@cache:6380/7");
  EXPECT_EQ(parsed_or_fail(url.to_string()), url);
}

TEST(PercentDecode, DecodesEscapesAndKeepsTheRest) {
  EXPECT_EQ(*percent_decode("a%20b%2fc%2F"), "a b/c/");
  EXPECT_EQ(*percent_decode("plain"), "plain");
  EXPECT_EQ(*percent_decode("%00"), std::string(1, '\0'));
  EXPECT_FALSE(percent_decode("%").ok());
  EXPECT_FALSE(percent_decode("%4").ok());
  EXPECT_FALSE(percent_decode("%g0").ok());
}

}  // namespace
}  // namespace sqlcache::config
