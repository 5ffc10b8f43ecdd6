#include "proxy/packet_channel.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/ssl.hpp>

namespace sqlcache::proxy {

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;

bool is_ip_address(const std::string& name) {
  boost::system::error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}
}  // namespace

struct PacketChannel::Tls {
  Tls(tcp::socket& socket, asio::ssl::context& context) : stream(socket, context) {}
  asio::ssl::stream<tcp::socket&> stream;
};

PacketChannel::PacketChannel(tcp::socket socket, std::size_t buffer_size)
    : socket_(std::move(socket)), buffer_(buffer_size) {}

PacketChannel::~PacketChannel() = default;

awaitable<boost::system::error_code> PacketChannel::read_some() {
  boost::system::error_code ec;
  std::uint8_t* space = buffer_.prepare(kReadChunk);
  auto buffer = asio::buffer(space, buffer_.free_space());
  std::size_t n = 0;
  if (tls_) {
    n = co_await tls_->stream.async_read_some(buffer,
                                              asio::redirect_error(asio::use_awaitable, ec));
  } else if (!read_now(buffer, n, ec)) {
    bytes_read_without_waiting_ = 0;
    n = co_await socket_.async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
  }
  buffer_.commit(n);
  co_return ec;
}

bool PacketChannel::read_now(asio::mutable_buffer buffer, std::size_t& n,
                             boost::system::error_code& ec) {
  // Fairness: the asynchronous read lets the worker's other connections run first.
  if (bytes_read_without_waiting_ >= kMaxBytesReadWithoutWaiting) return false;
  if (read_first_score_ == 0 && ++reads_since_probe_ % kReadFirstProbeInterval != 0) return false;
  n = receive_now(buffer, ec);
  if (ec == asio::error::would_block) {
    if (read_first_score_ > 0) --read_first_score_;
    n = 0;
    ec = {};
    return false;
  }
  read_first_score_ = std::min<std::uint8_t>(read_first_score_ + kReadFirstFound, kReadFirstMax);
  bytes_read_without_waiting_ += n;
  return true;
}

std::size_t PacketChannel::receive_now(asio::mutable_buffer buffer, boost::system::error_code& ec) {
  if (!make_non_blocking(ec)) return 0;
  return socket_.read_some(buffer, ec);
}

bool PacketChannel::make_non_blocking(boost::system::error_code& ec) {
  if (socket_.non_blocking()) return true;
  socket_.non_blocking(true, ec);
  return !ec;
}

awaitable<boost::system::error_code> PacketChannel::write(wire::ByteView bytes) {
  return write_buffers({asio::const_buffer(bytes.data(), bytes.size())}, 1);
}

// Not a coroutine for the usual few parts: the buffers are copied into write_buffers' frame,
// so a write costs one coroutine frame.
awaitable<boost::system::error_code> PacketChannel::write(std::span<const wire::ByteView> parts) {
  if (parts.size() > kMaxWriteParts) return write_in_batches(parts);
  WriteBuffers buffers;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    buffers[i] = asio::const_buffer(parts[i].data(), parts[i].size());
  }
  return write_buffers(buffers, parts.size());
}

awaitable<boost::system::error_code> PacketChannel::write_in_batches(
    std::span<const wire::ByteView> parts) {
  // More parts than a hit ever needs: write them a batch at a time.
  while (!parts.empty()) {
    const std::size_t batch = std::min(parts.size(), kMaxWriteParts);
    if (auto ec = co_await write(parts.first(batch))) co_return ec;
    parts = parts.subspan(batch);
  }
  co_return boost::system::error_code{};
}

awaitable<boost::system::error_code> PacketChannel::write_buffers(WriteBuffers buffers,
                                                                  std::size_t count) {
  std::span<const asio::const_buffer> sequence(buffers.data(), count);
  boost::system::error_code ec;
  if (tls_) {
    co_await asio::async_write(tls_->stream, sequence,
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }
  // Send now, without suspending: the kernel nearly always takes a response whole, and an
  // asynchronous write that completes at once still costs a trip through the event loop
  // before the coroutine goes on. Only what the kernel did not take waits for the socket.
  std::size_t skip = send_now(sequence, ec);
  if (ec && ec != asio::error::would_block) co_return ec;
  ec = {};
  std::size_t first = 0;
  while (first < count && skip >= buffers[first].size()) skip -= buffers[first++].size();
  if (first == count) co_return ec;
  buffers[first] += skip;
  std::span<const asio::const_buffer> rest(buffers.data() + first, count - first);
  co_await asio::async_write(socket_, rest, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

std::size_t PacketChannel::send_now(std::span<const asio::const_buffer> buffers,
                                    boost::system::error_code& ec) {
  if (!make_non_blocking(ec)) return 0;
  return socket_.write_some(buffers, ec);
}

awaitable<ReadError> PacketChannel::read_packet_exact(PacketView& out, std::size_t max_payload) {
  boost::system::error_code ec;
  while (buffer_.size() < wire::kHeaderSize) {
    std::uint8_t* space = buffer_.prepare(wire::kHeaderSize);
    std::size_t want = wire::kHeaderSize - buffer_.size();
    std::size_t n = co_await asio::async_read(socket_, asio::buffer(space, want),
                                              asio::redirect_error(asio::use_awaitable, ec));
    buffer_.commit(n);
    if (ec) co_return ReadError::Closed;
  }
  auto header = wire::parse_header(buffer_.data());
  if (!header || header->length >= wire::kMaxChunk || header->length > max_payload) {
    co_return ReadError::TooLarge;
  }
  const std::size_t total = wire::kHeaderSize + header->length;
  while (buffer_.size() < total) {
    std::uint8_t* space = buffer_.prepare(total - buffer_.size());
    std::size_t want = total - buffer_.size();
    std::size_t n = co_await asio::async_read(socket_, asio::buffer(space, want),
                                              asio::redirect_error(asio::use_awaitable, ec));
    buffer_.commit(n);
    if (ec) co_return ReadError::Closed;
  }
  wire::ByteView data = buffer_.data();
  out.raw = data.subspan(0, total);
  out.payload = data.subspan(wire::kHeaderSize, header->length);
  out.first_sequence_id = out.last_sequence_id = header->sequence_id;
  pending_raw_size_ = total;
  co_return ReadError::None;
}

awaitable<boost::system::error_code> PacketChannel::start_tls_server(asio::ssl::context& context) {
  tls_ = std::make_unique<Tls>(socket_, context);
  boost::system::error_code ec;
  co_await tls_->stream.async_handshake(asio::ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

awaitable<boost::system::error_code> PacketChannel::start_tls_client(asio::ssl::context& context,
                                                                     const TlsPeerCheck& check) {
  tls_ = std::make_unique<Tls>(socket_, context);
  auto& stream = tls_->stream;
  if (!check.server_name.empty() && !is_ip_address(check.server_name)) {
    // SNI carries host names only (RFC 6066).
    SSL_set_tlsext_host_name(stream.native_handle(), check.server_name.c_str());
  }
  if (check.verify_certificate) {
    stream.set_verify_mode(asio::ssl::verify_peer);
    if (check.verify_name) {
      stream.set_verify_callback(asio::ssl::host_name_verification(check.server_name));
    }
  } else {
    stream.set_verify_mode(asio::ssl::verify_none);
  }
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

std::string PacketChannel::tls_description() const {
  if (!tls_) return {};
  SSL* ssl = const_cast<asio::ssl::stream<tcp::socket&>&>(tls_->stream).native_handle();
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

awaitable<ReadError> PacketChannel::read_packet(PacketView& out, std::size_t max_payload) {
  while (true) {
    wire::ByteView data = buffer_.data();
    auto header = wire::parse_header(data);
    if (header && header->length < wire::kMaxChunk) {
      // The common case: one chunk, viewed in place without a copy.
      if (header->length > max_payload) co_return ReadError::TooLarge;
      std::size_t total = wire::kHeaderSize + header->length;
      if (data.size() >= total) {
        out.raw = data.subspan(0, total);
        out.payload = data.subspan(wire::kHeaderSize, header->length);
        out.first_sequence_id = out.last_sequence_id = header->sequence_id;
        pending_raw_size_ = total;
        co_return ReadError::None;
      }
      // Make room for the whole packet so the next reads complete it.
      buffer_.prepare(total - data.size());
    } else if (header) {
      // A packet of 16 MiB or more: walk the chunk headers (cheap) until all chunks are
      // buffered, then join them once.
      std::size_t pos = 0;
      std::size_t payload = 0;
      bool whole = false;
      while (auto chunk = wire::parse_header(data.subspan(pos))) {
        payload += chunk->length;
        if (payload > max_payload) co_return ReadError::TooLarge;
        if (data.size() - pos - wire::kHeaderSize < chunk->length) {
          buffer_.prepare(chunk->length - (data.size() - pos - wire::kHeaderSize) +
                          wire::kHeaderSize);
          break;
        }
        pos += wire::kHeaderSize + chunk->length;
        if (chunk->length < wire::kMaxChunk) {
          whole = true;
          break;
        }
      }
      if (whole) {
        if (wire::extract_packet(data, max_payload, joined_) == wire::FrameError::BadSequence) {
          co_return ReadError::BadSequence;
        }
        out.raw = data.subspan(0, joined_.wire_size);
        out.payload = joined_.payload;
        out.first_sequence_id = joined_.first_sequence_id;
        out.last_sequence_id = joined_.last_sequence_id;
        pending_raw_size_ = joined_.wire_size;
        co_return ReadError::None;
      }
    }
    if (co_await read_some()) co_return ReadError::Closed;
  }
}

}  // namespace sqlcache::proxy
