#include "config/host_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "config/decimal.hpp"

namespace sqlcache::config {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// An IPv6 address as inet_pton reads it, optionally followed by "%zone" (link-local).
bool is_ipv6_literal(std::string_view text) {
  std::size_t percent = text.find('%');
  std::string address(text.substr(0, percent));
  in6_addr parsed{};
  if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return false;
  if (percent == std::string_view::npos) return true;
  std::string_view zone = text.substr(percent + 1);
  if (zone.empty()) return false;
  for (char c : zone) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

bool is_name(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

}  // namespace

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool is_valid_host(std::string_view host) { return is_name(host) || is_ipv6_literal(host); }

ParseResult<std::uint16_t> parse_port(std::string_view text, PortZero zero) {
  if (text.empty()) return ParseError{"missing port number"};
  auto number = parse_decimal(text);
  if (!number) return ParseError{"the port is not a number"};
  if (*number > 65535) return ParseError{"the port is out of range 1-65535"};
  if (*number == 0 && zero == PortZero::reject) {
    return ParseError{"port 0 is not allowed here (use 1-65535)"};
  }
  return static_cast<std::uint16_t>(*number);
}

ParseResult<HostPort> parse_host_port(std::string_view text, PortZero zero) {
  if (text.empty()) return ParseError{"expected HOST:PORT, got nothing"};
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return ParseError{"missing ']' after the IPv6 address"};
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return ParseError{"missing port: expected [IPV6]:PORT such as [::1]:3307"};
    if (rest.front() != ':') return ParseError{"expected ':' and a port after ']'"};
    port = rest.substr(1);
    if (!is_ipv6_literal(host)) return ParseError{"not a valid IPv6 address inside [ ]"};
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return ParseError{"missing port: expected HOST:PORT such as 127.0.0.1:3307"};
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return ParseError{"IPv6 addresses need brackets, as in [::1]:3307"};
    }
    if (host.empty()) return ParseError{"missing host before ':' (use 0.0.0.0 for every address)"};
    if (!is_name(host)) return ParseError{"not a valid host name or IP address"};
  }
  auto parsed_port = parse_port(port, zero);
  if (!parsed_port) return ParseError{parsed_port.error()};
  return HostPort{std::string(host), *parsed_port};
}

}  // namespace sqlcache::config
