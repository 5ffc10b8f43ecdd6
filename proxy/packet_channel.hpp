#pragma once
// One end of a MySQL connection (client or backend) as the proxy sees it: a socket, TLS on it
// once the connection phase switched to TLS, and the bytes read from it but not yet handled.
// Reads whole logical packets, or raw bytes for streaming a response through.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include "mysql_wire/bytes.hpp"
#include "mysql_wire/packet.hpp"
#include "proxy/asio.hpp"
#include "proxy/byte_buffer.hpp"

namespace boost::asio::ssl {
class context;
}

namespace sqlcache::proxy {

// A logical packet: views valid until the next read or consume on its channel.
struct PacketView {
  wire::ByteView payload;  // joined when the packet spans several chunks
  wire::ByteView raw;      // the bytes as received, headers included
  std::uint8_t first_sequence_id = 0;
  std::uint8_t last_sequence_id = 0;
};

enum class ReadError { None, Closed, TooLarge, BadSequence };

// What start_tls_client() checks of the server's certificate.
struct TlsPeerCheck {
  bool verify_certificate = false;  // chain up to a trusted CA (the context's trust store)
  bool verify_name = false;         // and the certificate names `server_name`
  std::string server_name;          // also sent as SNI when it is a host name
};

class PacketChannel {
 public:
  PacketChannel(tcp::socket socket, std::size_t buffer_size);
  ~PacketChannel();
  PacketChannel(const PacketChannel&) = delete;
  PacketChannel& operator=(const PacketChannel&) = delete;

  // Non-blocking once anything was written (see write_buffers): a synchronous read or write
  // on it gets would_block instead of waiting.
  tcp::socket& socket() { return socket_; }
  ByteBuffer& buffer() { return buffer_; }

  // Reads until a whole logical packet is buffered. The packet stays buffered until
  // consume_packet(); `max_payload` bounds the joined payload.
  awaitable<ReadError> read_packet(PacketView& out, std::size_t max_payload);
  void consume_packet() {
    buffer_.consume(pending_raw_size_);
    pending_raw_size_ = 0;
  }

  // Like read_packet(), but reads no byte past the packet: for the packet after which the
  // peer may start a TLS handshake (the SSL request). Single-chunk packets only.
  awaitable<ReadError> read_packet_exact(PacketView& out, std::size_t max_payload);

  // Switches the connection to TLS, as the server (to a client) or as the client (to the
  // backend). Nothing may be buffered unread. Afterwards every read and write is encrypted.
  awaitable<boost::system::error_code> start_tls_server(asio::ssl::context& context);
  awaitable<boost::system::error_code> start_tls_client(asio::ssl::context& context,
                                                        const TlsPeerCheck& check);
  bool secure() const { return tls_ != nullptr; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384", for logs; empty without TLS.
  std::string tls_description() const;

  // Reads whatever the peer sent next into the buffer (at least one byte).
  awaitable<boost::system::error_code> read_some();

  awaitable<boost::system::error_code> write(wire::ByteView bytes);
  // Writes the parts in order, as one send where the kernel takes them all (a cache hit: the
  // stored response around a few patched bytes, without copying it).
  awaitable<boost::system::error_code> write(std::span<const wire::ByteView> parts);

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  bool is_open() const { return socket_.is_open(); }

 private:
  struct Tls;
  static constexpr std::size_t kMaxWriteParts = 8;
  using WriteBuffers = std::array<asio::const_buffer, kMaxWriteParts>;
  awaitable<boost::system::error_code> write_buffers(WriteBuffers buffers, std::size_t count);
  awaitable<boost::system::error_code> write_in_batches(std::span<const wire::ByteView> parts);
  // One non-blocking send of as much as the kernel takes; would_block when it takes nothing.
  std::size_t send_now(std::span<const asio::const_buffer> buffers, boost::system::error_code& ec);
  // Puts the socket in non-blocking mode once; false (with `ec`) when that fails.
  bool make_non_blocking(boost::system::error_code& ec);
  // One non-blocking receive; would_block when nothing has arrived.
  std::size_t receive_now(asio::mutable_buffer buffer, boost::system::error_code& ec);
  // Tries a read without waiting, when that has lately been finding data; true when it
  // completed (data, end of stream or an error in `n` and `ec`). A read that finds data skips
  // the trip through the event loop that even an asynchronous read completing at once costs
  // (a busy machine, where the peer ran while the proxy worked; a client that pipelines).
  // When the peer has not sent yet, the try is a wasted system call. A try that finds data
  // adds kReadFirstFound to a score and an empty one takes 1 away, so trying continues while
  // more than about one try in five finds data; at zero, every kReadFirstProbeInterval-th
  // read still tries, to notice when the load changes. After kMaxBytesReadWithoutWaiting
  // bytes read this way, one read goes through the event loop, so that a client that keeps
  // sending (pipelining) does not keep the other connections of its worker waiting.
  bool read_now(asio::mutable_buffer buffer, std::size_t& n, boost::system::error_code& ec);
  static constexpr std::uint8_t kReadFirstFound = 4;
  static constexpr std::uint8_t kReadFirstMax = 16;
  static constexpr std::uint32_t kReadFirstProbeInterval = 8;
  static constexpr std::size_t kMaxBytesReadWithoutWaiting = 64 * 1024;

  tcp::socket socket_;
  std::unique_ptr<Tls> tls_;
  ByteBuffer buffer_;
  wire::LogicalPacket joined_;  // only for packets of 16 MiB and more
  std::size_t pending_raw_size_ = 0;
  // See read_now().
  std::uint8_t read_first_score_ = kReadFirstMax;
  std::uint32_t reads_since_probe_ = 0;
  std::size_t bytes_read_without_waiting_ = 0;
};

}  // namespace sqlcache::proxy
