#include "proxy/packet_channel.hpp"

namespace sqlcache::proxy {

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
}

awaitable<boost::system::error_code> PacketChannel::read_some() {
  boost::system::error_code ec;
  std::uint8_t* space = buffer_.prepare(kReadChunk);
  std::size_t n = co_await socket_.async_read_some(asio::buffer(space, buffer_.free_space()),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  buffer_.commit(n);
  co_return ec;
}

awaitable<boost::system::error_code> PacketChannel::write(wire::ByteView bytes) {
  boost::system::error_code ec;
  co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
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
