#pragma once
// One end of a MySQL connection (client or backend) as the proxy sees it: a socket and the
// bytes read from it but not yet handled. Reads whole logical packets, or raw bytes for
// streaming a response through.
#include <cstdint>
#include <system_error>

#include "mysql_wire/bytes.hpp"
#include "mysql_wire/packet.hpp"
#include "proxy/asio.hpp"
#include "proxy/byte_buffer.hpp"

namespace sqlcache::proxy {

// A logical packet: views valid until the next read or consume on its channel.
struct PacketView {
  wire::ByteView payload;  // joined when the packet spans several chunks
  wire::ByteView raw;      // the bytes as received, headers included
  std::uint8_t first_sequence_id = 0;
  std::uint8_t last_sequence_id = 0;
};

enum class ReadError { None, Closed, TooLarge, BadSequence };

class PacketChannel {
 public:
  PacketChannel(tcp::socket socket, std::size_t buffer_size)
      : socket_(std::move(socket)), buffer_(buffer_size) {}

  tcp::socket& socket() { return socket_; }
  ByteBuffer& buffer() { return buffer_; }

  // Reads until a whole logical packet is buffered. The packet stays buffered until
  // consume_packet(); `max_payload` bounds the joined payload.
  awaitable<ReadError> read_packet(PacketView& out, std::size_t max_payload);
  void consume_packet() {
    buffer_.consume(pending_raw_size_);
    pending_raw_size_ = 0;
  }

  // Reads whatever the peer sent next into the buffer (at least one byte).
  awaitable<boost::system::error_code> read_some();

  awaitable<boost::system::error_code> write(wire::ByteView bytes);

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  bool is_open() const { return socket_.is_open(); }

 private:
  tcp::socket socket_;
  ByteBuffer buffer_;
  wire::LogicalPacket joined_;  // only for packets of 16 MiB and more
  std::size_t pending_raw_size_ = 0;
};

}  // namespace sqlcache::proxy
