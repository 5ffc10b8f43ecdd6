// Reading a whole text response into rows (the proxy's own catalog query): the server's real
// bytes in both EOF layouts, errors, and everything that is not one complete result set.
#include <gtest/gtest.h>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/generic_packets.hpp"
#include "mysql_wire/packet.hpp"
#include "mysql_wire/text_result.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

TEST(WireTextResult, CapturedPlanetRowsAreRead) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_select_planet.") + variant);
    const Bytes bytes = capture.server_bytes();
    auto result = parse_text_result(bytes, capture.capabilities());
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->error_code);
    EXPECT_EQ(result->columns, 2u);
    ASSERT_EQ(result->rows.size(), 8u);
    EXPECT_EQ(result->rows[0][0], "1");
    EXPECT_EQ(result->rows[0][1], "Mercury");
    EXPECT_EQ(result->rows[7][1], "Neptune");
  }
}

TEST(WireTextResult, CapturedEmptyResultHasColumnsAndNoRows) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_empty_result.") + variant);
    auto result = parse_text_result(capture.server_bytes(), capture.capabilities());
    ASSERT_TRUE(result);
    EXPECT_EQ(result->columns, 2u);
    EXPECT_TRUE(result->rows.empty());
  }
}

TEST(WireTextResult, CapturedErrorAfterMetadataIsAnErrorWithoutRows) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_error_after_metadata.") + variant);
    auto result = parse_text_result(capture.server_bytes(), capture.capabilities());
    ASSERT_TRUE(result);
    ASSERT_TRUE(result->error_code);
    EXPECT_EQ(*result->error_code, 1242);  // Subquery returns more than 1 row
    EXPECT_TRUE(result->rows.empty());
  }
}

TEST(WireTextResult, ErrPacketAloneIsAnError) {
  const Bytes bytes = framed(encode_err(1146, "42S02", "Table 'x.y' doesn't exist"), 1);
  auto result = parse_text_result(bytes, cap::kProtocol41);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_code, 1146);
  EXPECT_EQ(result->error_message, "Table 'x.y' doesn't exist");
}

TEST(WireTextResult, NullValuesAreNullopt) {
  // One column, one row holding NULL (0xFB), then an EOF.
  Bytes bytes = framed(Bytes{0x01}, 1);
  Bytes definition = {0x03, 'd', 'e', 'f', 0, 0,    0, 1, 'c', 0, 0x0c,
                      0x21, 0,   0,   0,   0, 0xfd, 0, 0, 0,   0, 0};
  for (const Bytes& payload : {definition, encode_eof({}), Bytes{0xfb}, encode_eof({})}) {
    const std::uint8_t sequence = static_cast<std::uint8_t>(bytes.size());  // any id
    const Bytes packet = framed(payload, sequence);
    bytes.insert(bytes.end(), packet.begin(), packet.end());
  }
  auto result = parse_text_result(bytes, cap::kProtocol41);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_FALSE(result->rows[0][0].has_value());
}

TEST(WireTextResult, AnythingButOneCompleteResultIsRefused) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto planet = load_capture(std::string("query_select_planet.") + variant);
    const Bytes whole = planet.server_bytes();
    // Cut anywhere: never a result.
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
      EXPECT_FALSE(parse_text_result(ByteView(whole).subspan(0, cut), planet.capabilities()))
          << "cut at " << cut;
    }
    // Two result sets (a CALL) are not one.
    auto call = load_capture(std::string("query_call_two_results.") + variant);
    EXPECT_FALSE(parse_text_result(call.server_bytes(), call.capabilities()));
    // Bytes after the terminator.
    Bytes trailing = whole;
    trailing.insert(trailing.end(), whole.begin(), whole.end());
    EXPECT_FALSE(parse_text_result(trailing, planet.capabilities()));
  }
}

}  // namespace
}  // namespace sqlcache::wire
