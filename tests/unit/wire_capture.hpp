#pragma once
// Loads the exchanges tests/tools/capture_mariadb.py recorded from a real MariaDB 10.11:
// tests/data/wire/<name>.<variant>.hex, one physical packet per line ("C" client, "S" server),
// "(hh*n)" for a run of n bytes hh, "# key: value" metadata. Used by the wire_*_test files.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "mysql_wire/bytes.hpp"
#include "mysql_wire/packet.hpp"

namespace sqlcache::wire::testing {

inline constexpr const char* kVariants[] = {"classic", "deprecate_eof"};

struct CapturedPacket {
  char direction = 'S';  // 'C' client, 'S' server
  Bytes bytes;           // one physical packet, header included
};

struct Capture {
  std::string name;   // e.g. "query_select_planet.classic"
  std::string title;  // first comment line: the command
  std::map<std::string, std::string> meta;
  std::vector<CapturedPacket> packets;
  bool loaded = false;

  std::uint64_t capabilities() const {
    auto it = meta.find("capabilities");
    return it == meta.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 16);
  }

  // The first client packet's payload: the command (or the handshake response).
  Bytes command() const {
    for (const auto& p : packets) {
      if (p.direction == 'C') return Bytes(p.bytes.begin() + kHeaderSize, p.bytes.end());
    }
    return {};
  }

  // Everything the server sent, in order.
  Bytes server_bytes() const {
    Bytes out;
    for (const auto& p : packets) {
      if (p.direction == 'S') out.insert(out.end(), p.bytes.begin(), p.bytes.end());
    }
    return out;
  }

  // The exchange after the command: server byte runs alternating with client packet groups.
  struct Segment {
    Bytes server;               // consecutive server packets
    std::vector<Bytes> client;  // client packets that followed them (framed)
  };
  std::vector<Segment> segments() const {
    std::vector<Segment> out;
    bool skipped_command = false;
    for (const auto& p : packets) {
      if (p.direction == 'C' && !skipped_command && out.empty()) {
        skipped_command = true;
        continue;
      }
      if (p.direction == 'S') {
        if (out.empty() || !out.back().client.empty()) out.emplace_back();
        out.back().server.insert(out.back().server.end(), p.bytes.begin(), p.bytes.end());
      } else {
        if (out.empty()) out.emplace_back();
        out.back().client.push_back(p.bytes);
      }
    }
    return out;
  }

  // Logical payloads the server sent (continuation chunks joined).
  std::vector<Bytes> server_payloads() const {
    std::vector<Bytes> out;
    Bytes stream = server_bytes();
    ByteView rest(stream);
    LogicalPacket packet;
    while (!rest.empty() && extract_packet(rest, SIZE_MAX, packet) == FrameError::None) {
      out.push_back(packet.payload);
      rest = rest.subspan(packet.wire_size);
    }
    return out;
  }
};

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes hex with "(hh*n)" runs; whitespace is ignored. False on anything else.
inline bool decode_capture_hex(std::string_view text, Bytes& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      std::size_t close = text.find(')', i);
      if (close == std::string_view::npos || close < i + 5 || text[i + 3] != '*') return false;
      int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      std::string count(text.substr(i + 4, close - i - 4));
      char* end = nullptr;
      unsigned long long n = std::strtoull(count.c_str(), &end, 10);
      if (count.empty() || *end != '\0') return false;
      out.insert(out.end(), n, static_cast<std::uint8_t>(hi * 16 + lo));
      i = close + 1;
    } else {
      if (i + 1 >= text.size()) return false;
      int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
      i += 2;
    }
  }
  return true;
}

inline std::string capture_path(const std::string& name) {
  return std::string(SQLCACHE_TEST_DATA_DIR) + "/wire/" + name + ".hex";
}

// Loads "<name>.<variant>"; a missing or malformed file fails the calling test.
inline Capture load_capture(const std::string& name) {
  Capture c;
  c.name = name;
  std::ifstream in(capture_path(name));
  if (!in) {
    ADD_FAILURE() << "cannot open " << capture_path(name);
    return c;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::string text = line.substr(line.find_first_not_of("# "));
      if (number == 1) {
        c.title = text;
        continue;
      }
      auto colon = text.find(": ");
      if (colon != std::string::npos) c.meta[text.substr(0, colon)] = text.substr(colon + 2);
      continue;
    }
    CapturedPacket p;
    p.direction = line[0];
    if ((p.direction != 'C' && p.direction != 'S') ||
        !decode_capture_hex(std::string_view(line).substr(1), p.bytes)) {
      ADD_FAILURE() << capture_path(name) << ":" << number << ": malformed line";
      return c;
    }
    c.packets.push_back(std::move(p));
  }
  c.loaded = true;
  return c;
}

}  // namespace sqlcache::wire::testing
