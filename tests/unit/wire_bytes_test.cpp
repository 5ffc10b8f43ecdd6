// Little-endian integers and length-encoded values: every size boundary, NULL, truncation.
#include <gtest/gtest.h>

#include <limits>

#include "mysql_wire/bytes.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

Bytes lenenc_bytes(std::uint64_t v) {
  Bytes out;
  ByteWriter(out).lenenc(v);
  return out;
}

struct LenencCase {
  std::uint64_t value;
  Bytes encoding;
};

class WireLenencBoundary : public ::testing::TestWithParam<LenencCase> {};

TEST_P(WireLenencBoundary, EncodesToTheDocumentedBytes) {
  EXPECT_EQ(lenenc_bytes(GetParam().value), GetParam().encoding);
  EXPECT_EQ(lenenc_size(GetParam().value), GetParam().encoding.size());
}

TEST_P(WireLenencBoundary, DecodesBackAndConsumesExactlyItsBytes) {
  Bytes data = GetParam().encoding;
  data.push_back(0x42);  // the next field
  ByteReader r(data);
  EXPECT_EQ(r.lenenc(), GetParam().value);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u8(), 0x42);
}

TEST_P(WireLenencBoundary, EveryTruncationFailsTheReader) {
  const Bytes& full = GetParam().encoding;
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    ByteReader r(ByteView(full).first(cut));
    EXPECT_EQ(r.lenenc(), 0u);
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.remaining(), 0u);
  }
}

// https://mariadb.com/kb/en/protocol-data-types/#length-encoded-integers
INSTANTIATE_TEST_SUITE_P(
    SizeBoundaries, WireLenencBoundary,
    ::testing::Values(LenencCase{0, {0x00}}, LenencCase{250, {0xFA}},
                      LenencCase{251, {0xFC, 0xFB, 0x00}}, LenencCase{0xFFFF, {0xFC, 0xFF, 0xFF}},
                      LenencCase{0x10000, {0xFD, 0x00, 0x00, 0x01}},
                      LenencCase{0xFFFFFF, {0xFD, 0xFF, 0xFF, 0xFF}},
                      LenencCase{0x1000000, {0xFE, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0}},
                      LenencCase{std::numeric_limits<std::uint64_t>::max(),
                                 {0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}}));

TEST(WireLenenc, NullMarkerIsNotAnInteger) {
  const Bytes null{0xFB};
  ByteReader peek(null);
  EXPECT_TRUE(peek.next_is_null());
  ByteReader r(null);
  r.lenenc();
  EXPECT_FALSE(r.ok());
}

TEST(WireLenenc, ErrMarkerIsNotAnInteger) {
  const Bytes err{0xFF, 0x00, 0x00};
  ByteReader r(err);
  r.lenenc();
  EXPECT_FALSE(r.ok());
}

TEST(WireLenenc, NextIsNullOnlyForTheMarker) {
  const Bytes values{0xFA, 0xFC, 0x00};
  ByteReader r(values);
  EXPECT_FALSE(r.next_is_null());
  EXPECT_FALSE(ByteReader(ByteView{}).next_is_null());
}

TEST(WireLenenc, StringReadsItsLengthThenItsBytes) {
  Bytes data;
  ByteWriter w(data);
  w.lenenc_string("Mercury");
  w.lenenc_string(std::string(300, 'x'));
  ByteReader r(data);
  EXPECT_EQ(r.lenenc_string(), "Mercury");
  EXPECT_EQ(r.lenenc_string().size(), 300u);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(WireLenenc, StringLongerThanTheDataFailsWithoutReadingPastIt) {
  const Bytes data{0x05, 'a', 'b'};
  ByteReader r(data);
  EXPECT_TRUE(r.lenenc_string().empty());
  EXPECT_FALSE(r.ok());
}

TEST(WireLenenc, StringWithHugeLengthFails) {
  const Bytes data{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'a'};
  ByteReader r(data);
  r.lenenc_string();
  EXPECT_FALSE(r.ok());
}

TEST(WireBytes, FixedIntegersAreLittleEndian) {
  const Bytes data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C,
                   0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0302);
  EXPECT_EQ(r.u24(), 0x060504u);
  EXPECT_EQ(r.u32(), 0x0A090807u);
  EXPECT_EQ(r.u64(), 0x1211100F0E0D0C0Bull);
  EXPECT_EQ(r.u48(), 0x181716151413ull);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(WireBytes, WriterAndReaderAgreeOnEveryWidth) {
  Bytes out;
  ByteWriter w(out);
  w.u8(0xAB);
  w.u16(0xBEEF);
  w.u24(0xC0FFEE);
  w.u32(0xDEADBEEF);
  w.u64(0x0123456789ABCDEFull);
  ByteReader r(out);
  EXPECT_EQ(r.u8(), 0xAB);
  EXPECT_EQ(r.u16(), 0xBEEF);
  EXPECT_EQ(r.u24(), 0xC0FFEEu);
  EXPECT_EQ(r.u32(), 0xDEADBEEFu);
  EXPECT_EQ(r.u64(), 0x0123456789ABCDEFull);
  EXPECT_TRUE(r.at_end());
}

TEST(WireBytes, ReadPastTheEndFailsAndStaysFailed) {
  const Bytes data{0x01, 0x02, 0x03};
  ByteReader r(data);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);  // even though bytes are left, a failed reader reads nothing
  EXPECT_TRUE(r.rest().empty());
  EXPECT_TRUE(r.at_end());
}

TEST(WireBytes, NullStringStopsAtTheNulAndConsumesIt) {
  const Bytes data{'a', 'b', 0, 'c', 0};
  ByteReader r(data);
  EXPECT_EQ(r.null_string(), "ab");
  EXPECT_EQ(r.null_string(), "c");
  EXPECT_TRUE(r.at_end());
}

TEST(WireBytes, NullStringWithoutNulFails) {
  const Bytes data{'a', 'b'};
  ByteReader r(data);
  EXPECT_TRUE(r.null_string().empty());
  EXPECT_FALSE(r.ok());
}

TEST(WireBytes, EofStringTakesEverythingLeft) {
  const Bytes data{1, 'r', 'e', 's', 't'};
  ByteReader r(data);
  r.u8();
  EXPECT_EQ(r.eof_string(), "rest");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(WireBytes, UintNReadsAnyWidthUpToEight) {
  const Bytes data{0x11, 0x22, 0x33, 0x44, 0x55};
  ByteReader r(data);
  EXPECT_EQ(r.uint_n(5), 0x5544332211ull);
  EXPECT_TRUE(r.ok());
}

// The row of strings of 250, 251, 65535 and 65536 bytes the server sent: its lengths use the
// 1-, 3-, 3- and 4-byte forms.
TEST(WireLenenc, CapturedRowWithStringsAtEveryLengthBoundaryDecodes) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto payloads =
        testing::load_capture(std::string("query_lenenc_lengths.") + variant).server_payloads();
    ASSERT_GE(payloads.size(), 2u);
    const Bytes& row = payloads[payloads.size() - 2];
    ByteReader r(row);
    const std::pair<std::size_t, char> expected[] = {
        {250, 'a'}, {251, 'b'}, {65535, 'c'}, {65536, 'd'}};
    std::size_t offset = 0;
    for (const auto& [length, fill] : expected) {
      std::string_view value = r.lenenc_string();
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(value, std::string(length, fill));
      offset += lenenc_size(length) + length;
      EXPECT_EQ(r.position(), offset);
    }
    EXPECT_TRUE(r.at_end());
  }
}

TEST(WireLenenc, CapturedTextRowMarksNullsWithFB) {
  auto payloads = testing::load_capture("query_select_types.classic").server_payloads();
  ASSERT_GE(payloads.size(), 2u);
  const Bytes& row = payloads[payloads.size() - 2];
  ByteReader r(row);
  std::vector<int> nulls;
  for (int column = 0; column < 17; ++column) {
    if (r.next_is_null()) {
      nulls.push_back(column);
      r.skip(1);
    } else {
      r.lenenc_string();
    }
    ASSERT_TRUE(r.ok()) << "column " << column;
  }
  EXPECT_TRUE(r.at_end());
  // NULL, CAST(NULL AS SIGNED), CAST(NULL AS DATE)
  EXPECT_EQ(nulls, (std::vector<int>{9, 13, 15}));
}

}  // namespace
}  // namespace sqlcache::wire
