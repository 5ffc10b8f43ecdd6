#pragma once
// Network addresses as "host:port": "127.0.0.1:3307", "db.example.com:3306", "[::1]:3307".
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse_result.hpp"

namespace sqlcache::config {

struct HostPort {
  std::string host;  // a name or an IP address; IPv6 without the brackets
  std::uint16_t port = 0;

  // "host:port", with brackets around IPv6 addresses so that the result parses back.
  std::string to_string() const;
  bool operator==(const HostPort&) const = default;
};

// Port 0 asks the kernel for any free port: meaningful for a listener (tests use it), a mistake
// for an address to connect to.
enum class PortZero { reject, allow };

// Error messages describe the problem without repeating the text (it may come from the
// environment); the caller decides whether the text may be shown.
ParseResult<HostPort> parse_host_port(std::string_view text, PortZero zero = PortZero::reject);
ParseResult<std::uint16_t> parse_port(std::string_view text, PortZero zero = PortZero::reject);

// A DNS name or IPv4 address (letters, digits, '-', '.', '_'), or an IPv6 address without
// brackets. Says nothing about whether the name resolves.
bool is_valid_host(std::string_view host);

}  // namespace sqlcache::config
