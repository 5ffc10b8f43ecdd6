// Packet framing: the 4-byte header, 16 MiB split and join, sequence ids, truncation.
#include <gtest/gtest.h>

#include <numeric>

#include "mysql_wire/packet.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

Bytes payload_of(std::size_t size, std::uint8_t seed = 7) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 31);
  return b;
}

// Headers of the physical packets in a framed buffer: (length, sequence id).
std::vector<std::pair<std::uint32_t, std::uint8_t>> chunk_headers(ByteView framed) {
  std::vector<std::pair<std::uint32_t, std::uint8_t>> out;
  std::size_t pos = 0;
  while (pos < framed.size()) {
    auto h = parse_header(framed.subspan(pos));
    if (!h) break;
    out.emplace_back(h->length, h->sequence_id);
    pos += kHeaderSize + h->length;
  }
  return out;
}

TEST(WireFraming, HeaderIsLittleEndianLengthThenSequenceId) {
  Bytes out;
  write_header(out, 0x123456, 0x9A);
  EXPECT_EQ(out, (Bytes{0x56, 0x34, 0x12, 0x9A}));
  auto h = parse_header(out);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length, 0x123456u);
  EXPECT_EQ(h->sequence_id, 0x9A);
}

TEST(WireFraming, HeaderNeedsFourBytes) {
  const Bytes three{1, 0, 0};
  EXPECT_FALSE(parse_header(three));
  EXPECT_FALSE(parse_header(ByteView{}));
}

TEST(WireFraming, EmptyPayloadIsOneEmptyPacket) {
  Bytes out;
  EXPECT_EQ(frame_payload(out, {}, 5), 6);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 5}));
}

TEST(WireFraming, SmallPayloadIsOnePacket) {
  const Bytes p{0x03, 'S', 'E', 'L'};
  Bytes out = framed(p, 0);
  EXPECT_EQ(out, (Bytes{4, 0, 0, 0, 0x03, 'S', 'E', 'L'}));
}

TEST(WireFraming, PayloadOneShortOfMaxChunkIsOnePacket) {
  const Bytes p = payload_of(kMaxChunk - 1);
  Bytes out;
  EXPECT_EQ(frame_payload(out, p, 3), 4);
  auto headers = chunk_headers(out);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, kMaxChunk - 1);
}

TEST(WireFraming, PayloadOfExactlyMaxChunkGetsATrailingEmptyChunk) {
  const Bytes p = payload_of(kMaxChunk);
  Bytes out;
  EXPECT_EQ(frame_payload(out, p, 0), 2);
  auto headers = chunk_headers(out);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], std::make_pair(kMaxChunk, std::uint8_t{0}));
  EXPECT_EQ(headers[1], std::make_pair(std::uint32_t{0}, std::uint8_t{1}));
  EXPECT_EQ(out.size(), kMaxChunk + 2 * kHeaderSize);
}

TEST(WireFraming, PayloadOfTwiceMaxChunkIsTwoFullChunksAndAnEmptyOne) {
  const Bytes p = payload_of(2 * std::size_t{kMaxChunk});
  Bytes out;
  EXPECT_EQ(frame_payload(out, p, 10), 13);
  auto headers = chunk_headers(out);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].first, kMaxChunk);
  EXPECT_EQ(headers[1].first, kMaxChunk);
  EXPECT_EQ(headers[2].first, 0u);
}

TEST(WireFraming, PayloadJustOverMaxChunkEndsWithAOneByteChunk) {
  const Bytes p = payload_of(std::size_t{kMaxChunk} + 1);
  auto headers = chunk_headers(framed(p, 0));
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[1].first, 1u);
}

TEST(WireFraming, SequenceIdsWrapAroundAfter255) {
  const Bytes p = payload_of(2 * std::size_t{kMaxChunk} + 5);
  Bytes out;
  EXPECT_EQ(frame_payload(out, p, 0xFE), 0x01);
  auto headers = chunk_headers(out);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].second, 0xFE);
  EXPECT_EQ(headers[1].second, 0xFF);
  EXPECT_EQ(headers[2].second, 0x00);
}

// Splitting and joining are inverse at and around every chunk boundary.
class WireFramingRoundTrip : public ::testing::TestWithParam<std::size_t> {};

TEST_P(WireFramingRoundTrip, ExtractJoinsWhatFrameSplit) {
  const Bytes p = payload_of(GetParam(), static_cast<std::uint8_t>(GetParam()));
  const Bytes out = framed(p, 0xFF);
  LogicalPacket packet;
  ASSERT_EQ(extract_packet(out, SIZE_MAX, packet), FrameError::None);
  EXPECT_EQ(packet.wire_size, out.size());
  EXPECT_EQ(packet.first_sequence_id, 0xFF);
  EXPECT_EQ(packet.last_sequence_id, static_cast<std::uint8_t>(0xFF + GetParam() / kMaxChunk));
  EXPECT_TRUE(packet.payload == p);
}

INSTANTIATE_TEST_SUITE_P(ChunkBoundaries, WireFramingRoundTrip,
                         ::testing::Values(0, 1, 250, kMaxChunk - 1, kMaxChunk, kMaxChunk + 1,
                                           2 * std::size_t{kMaxChunk} - 1,
                                           2 * std::size_t{kMaxChunk},
                                           2 * std::size_t{kMaxChunk} + 1));

TEST(WireFraming, ExtractTakesOnlyTheFirstPacket) {
  Bytes stream = framed(as_bytes("first"), 1);
  Bytes second = framed(as_bytes("second"), 2);
  stream.insert(stream.end(), second.begin(), second.end());
  LogicalPacket packet;
  ASSERT_EQ(extract_packet(stream, SIZE_MAX, packet), FrameError::None);
  EXPECT_EQ(as_chars(packet.payload), "first");
  EXPECT_EQ(packet.wire_size, 9u);
  ASSERT_EQ(extract_packet(ByteView(stream).subspan(packet.wire_size), SIZE_MAX, packet),
            FrameError::None);
  EXPECT_EQ(as_chars(packet.payload), "second");
}

TEST(WireFraming, EveryTruncationOfASplitPacketIsIncomplete) {
  // A payload just over 0xFFFFFF: two chunks; cut before, inside and after each header.
  const Bytes out = framed(payload_of(std::size_t{kMaxChunk} + 3), 0);
  const std::size_t second_header = kHeaderSize + kMaxChunk;
  LogicalPacket packet;
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{4}, std::size_t{5},
        second_header - 1, second_header, second_header + 2, second_header + 4, out.size() - 1}) {
    EXPECT_EQ(extract_packet(ByteView(out).first(cut), SIZE_MAX, packet), FrameError::Incomplete)
        << "cut at " << cut;
  }
  EXPECT_EQ(extract_packet(out, SIZE_MAX, packet), FrameError::None);
}

TEST(WireFraming, TruncationAtEveryOffsetOfCapturedPacketsIsIncomplete) {
  const auto capture = testing::load_capture("query_select_types.classic");
  for (const auto& p : capture.packets) {
    LogicalPacket packet;
    for (std::size_t cut = 0; cut < p.bytes.size(); ++cut) {
      ASSERT_EQ(extract_packet(ByteView(p.bytes).first(cut), SIZE_MAX, packet),
                FrameError::Incomplete)
          << "cut at " << cut;
    }
    ASSERT_EQ(extract_packet(p.bytes, SIZE_MAX, packet), FrameError::None);
    EXPECT_EQ(packet.wire_size, p.bytes.size());
  }
}

TEST(WireFraming, ContinuationWithWrongSequenceIdIsBadSequence) {
  Bytes out = framed(payload_of(std::size_t{kMaxChunk} + 3), 4);
  out[kHeaderSize + kMaxChunk + 3] = 9;  // second chunk should carry 5
  LogicalPacket packet;
  EXPECT_EQ(extract_packet(out, SIZE_MAX, packet), FrameError::BadSequence);
}

TEST(WireFraming, ContinuationAfterSequence255MustBeZero) {
  Bytes out = framed(payload_of(std::size_t{kMaxChunk}), 0xFF);
  LogicalPacket packet;
  ASSERT_EQ(extract_packet(out, SIZE_MAX, packet), FrameError::None);
  EXPECT_EQ(packet.last_sequence_id, 0x00);
  out[kHeaderSize + kMaxChunk + 3] = 0xFF;  // repeats instead of wrapping
  EXPECT_EQ(extract_packet(out, SIZE_MAX, packet), FrameError::BadSequence);
}

TEST(WireFraming, PayloadOverTheLimitIsTooLargeBeforeItArrives) {
  Bytes header;
  write_header(header, 1000, 0);  // announces 1000 bytes, none present
  LogicalPacket packet;
  EXPECT_EQ(extract_packet(header, 999, packet), FrameError::TooLarge);
  EXPECT_EQ(extract_packet(header, 1000, packet), FrameError::Incomplete);
}

TEST(WireFraming, LimitCountsTheJoinedPayloadAcrossChunks) {
  const Bytes out = framed(payload_of(std::size_t{kMaxChunk} + 10), 0);
  LogicalPacket packet;
  EXPECT_EQ(extract_packet(out, std::size_t{kMaxChunk} + 9, packet), FrameError::TooLarge);
  EXPECT_EQ(extract_packet(out, std::size_t{kMaxChunk} + 10, packet), FrameError::None);
}

TEST(WireFraming, CapturedLargeRowJoinsIntoOnePayload) {
  const auto capture = testing::load_capture("query_large_row.classic");
  const auto payloads = capture.server_payloads();
  // column count, column definition, EOF, the row, EOF
  ASSERT_EQ(payloads.size(), 5u);
  const Bytes& row = payloads[3];
  ByteReader r(row);
  std::uint64_t length = r.lenenc();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(length, 17u * 1024 * 1024);
  EXPECT_EQ(r.remaining(), length);
}

}  // namespace
}  // namespace sqlcache::wire
