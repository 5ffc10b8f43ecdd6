#include <gtest/gtest.h>

#include "config/host_port.hpp"

namespace sqlcache::config {
namespace {

TEST(HostPort, ReadsNameOrIPv4AndPort) {
  auto parsed = parse_host_port("127.0.0.1:3307");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(*parsed, (HostPort{"127.0.0.1", 3307}));
  EXPECT_EQ(*parse_host_port("mydb.xxxx.rds.amazonaws.com:3306"),
            (HostPort{"mydb.xxxx.rds.amazonaws.com", 3306}));
  EXPECT_EQ(*parse_host_port("db_1:65535"), (HostPort{"db_1", 65535}));
}

TEST(HostPort, ReadsBracketedIPv6) {
  EXPECT_EQ(*parse_host_port("[::1]:3307"), (HostPort{"::1", 3307}));
  EXPECT_EQ(*parse_host_port("[::]:3307"), (HostPort{"::", 3307}));
  EXPECT_EQ(*parse_host_port("[fe80::1%eth0]:3307"), (HostPort{"fe80::1%eth0", 3307}));
  EXPECT_EQ(*parse_host_port("[::ffff:10.0.0.1]:1"), (HostPort{"::ffff:10.0.0.1", 1}));
}

TEST(HostPort, PortZeroOnlyWhereAllowed) {
  EXPECT_FALSE(parse_host_port("127.0.0.1:0").ok());
  EXPECT_EQ(parse_host_port("127.0.0.1:0").error(), "port 0 is not allowed here (use 1-65535)");
  EXPECT_EQ(*parse_host_port("127.0.0.1:0", PortZero::allow), (HostPort{"127.0.0.1", 0}));
}

TEST(HostPort, RejectsBadPorts) {
  EXPECT_EQ(parse_host_port("h:65536").error(), "the port is out of range 1-65535");
  EXPECT_EQ(parse_host_port("h:99999999999999999999999").error(), "the port is not a number");
  EXPECT_EQ(parse_host_port("h:http").error(), "the port is not a number");
  EXPECT_EQ(parse_host_port("h:-1").error(), "the port is not a number");
  EXPECT_EQ(parse_host_port("h: 1").error(), "the port is not a number");
  EXPECT_EQ(parse_host_port("h:").error(), "missing port number");
}

TEST(HostPort, RejectsMalformedAddresses) {
  EXPECT_EQ(parse_host_port("").error(), "expected HOST:PORT, got nothing");
  EXPECT_EQ(parse_host_port("localhost").error(),
            "missing port: expected HOST:PORT such as 127.0.0.1:3307");
  EXPECT_EQ(parse_host_port(":3307").error(),
            "missing host before ':' (use 0.0.0.0 for every address)");
  EXPECT_EQ(parse_host_port("::1:3307").error(), "IPv6 addresses need brackets, as in [::1]:3307");
  EXPECT_EQ(parse_host_port("[::1:3307").error(), "missing ']' after the IPv6 address");
  EXPECT_EQ(parse_host_port("[::1]3307").error(), "expected ':' and a port after ']'");
  EXPECT_EQ(parse_host_port("[::1]").error(),
            "missing port: expected [IPV6]:PORT such as [::1]:3307");
  EXPECT_EQ(parse_host_port("[db.local]:3307").error(), "not a valid IPv6 address inside [ ]");
  EXPECT_EQ(parse_host_port("my host:3307").error(), "not a valid host name or IP address");
  EXPECT_EQ(parse_host_port("user@host:3307").error(), "not a valid host name or IP address");
}

TEST(HostPort, ToStringParsesBack) {
  for (const HostPort& address :
       {HostPort{"127.0.0.1", 3307}, HostPort{"::1", 3306}, HostPort{"db.example", 1}}) {
    auto parsed = parse_host_port(address.to_string());
    ASSERT_TRUE(parsed.ok()) << address.to_string();
    EXPECT_EQ(*parsed, address);
  }
  EXPECT_EQ((HostPort{"::1", 3306}).to_string(), "[::1]:3306");
}

TEST(HostPort, ValidHostNames) {
  EXPECT_TRUE(is_valid_host("localhost"));
  EXPECT_TRUE(is_valid_host("10.1.2.3"));
  EXPECT_TRUE(is_valid_host("::1"));
  EXPECT_FALSE(is_valid_host(""));
  EXPECT_FALSE(is_valid_host("a b"));
  EXPECT_FALSE(is_valid_host("[::1]"));
  EXPECT_FALSE(is_valid_host("host/path"));
}

}  // namespace
}  // namespace sqlcache::config
