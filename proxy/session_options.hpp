#pragma once
// What a client session needs to know about its environment, fixed at accept time.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sqlcache::proxy {

struct TlsSettings;

struct BackendAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
};

struct SessionOptions {
  BackendAddress backend;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::size_t max_packet_size = 64 * 1024 * 1024;
  std::chrono::milliseconds slow_query{0};  // log commands slower than this; 0: off
  std::shared_ptr<const TlsSettings> tls;   // never null in a running proxy
};

}  // namespace sqlcache::proxy
