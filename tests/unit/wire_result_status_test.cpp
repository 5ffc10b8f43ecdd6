// The status-flag patch a cache hit applies to the stored result set before replaying it: only
// the session's bits change, in the EOF after the definitions (classic) and the terminator.
// A stored value comes from the store, which may hand back anything (fuzz_cached_result).
#include <gtest/gtest.h>

#include "mysql_wire/capabilities.hpp"
#include "mysql_wire/packet.hpp"
#include "mysql_wire/result_status.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

constexpr std::uint16_t kSessionBits = status::kInTrans | status::kAutocommit;

// Three framed packets: a column count whose length-encoded value is `count` (0xFE and eight
// bytes), a classic EOF and an EOF terminator.
Bytes result_with_column_count(std::uint64_t count) {
  Bytes count_payload = {0xFE};
  for (int i = 0; i < 8; ++i) count_payload.push_back(static_cast<std::uint8_t>(count >> (8 * i)));
  const Bytes eof = {0xFE, 0x00, 0x00, 0x02, 0x00};
  Bytes out = framed(count_payload, 1);
  for (std::uint8_t seq : {std::uint8_t{2}, std::uint8_t{3}}) {
    const Bytes packet = framed(eof, seq);
    out.insert(out.end(), packet.begin(), packet.end());
  }
  return out;
}

TEST(ResultStatusPatch, CapturedResultSetGetsTheSessionBits) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_select_planet.") + variant);
    const Bytes original = capture.server_bytes();
    Bytes patched = original;
    ASSERT_TRUE(
        patch_result_status(patched, capture.capabilities(), kSessionBits, status::kInTrans));
    ASSERT_EQ(patched.size(), original.size());
    std::size_t changed = 0;
    for (std::size_t i = 0; i < patched.size(); ++i) changed += patched[i] != original[i];
    EXPECT_GT(changed, 0u);  // the capture ran in autocommit mode, outside a transaction
    EXPECT_LE(changed, 2u);
  }
}

TEST(ResultStatusPatch, NotAResultSetIsLeftAlone) {
  auto capture = load_capture("query_insert.classic");
  Bytes bytes = capture.server_bytes();
  const Bytes original = bytes;
  EXPECT_FALSE(patch_result_status(bytes, capture.capabilities(), kSessionBits, 0));
  EXPECT_EQ(bytes, original);
}

// Bug found by fuzz_cached_result (with its dictionary, which holds the largest length-encoded
// integers): a column count near 2^64 wrapped `columns + 2` around, so
// the bounds check passed and the EOF after the definitions was read from packets[columns + 1]
// (2^64 - 2: far out of bounds; 2^64 - 1: the column count packet itself, which got patched).
TEST(ResultStatusPatch, ColumnCountNear2To64IsRejected) {
  for (std::uint64_t count : {~std::uint64_t{0}, ~std::uint64_t{0} - 1, ~std::uint64_t{0} - 2}) {
    SCOPED_TRACE(count);
    Bytes bytes = result_with_column_count(count);
    const Bytes original = bytes;
    EXPECT_FALSE(
        patch_result_status(bytes, cap::kProtocol41 | cap::kTransactions, kSessionBits, 0x0001));
    EXPECT_EQ(bytes, original);
  }
}

// A hit replays shared bytes without patching them: it sends the parts around the offsets that
// find_result_status() gives, with the merged flags in between. Those must be exactly the bytes
// patch_result_status() changes.
TEST(ResultStatusPatch, OffsetsAreWhereThePatchWrites) {
  for (const char* variant : testing::kVariants) {
    SCOPED_TRACE(variant);
    auto capture = load_capture(std::string("query_select_planet.") + variant);
    const Bytes original = capture.server_bytes();
    auto found = find_result_status(original, capture.capabilities());
    ASSERT_TRUE(found.has_value());
    const bool deprecate_eof = capture.capabilities() & cap::kDeprecateEof;
    EXPECT_EQ(found->count, deprecate_eof ? 1u : 2u);
    // Every bit of the mask flipped: both bytes of each field may change, nothing else.
    Bytes patched = original;
    const std::uint16_t flipped = static_cast<std::uint16_t>(~(
        original[found->at[found->count - 1]] | (original[found->at[found->count - 1] + 1] << 8)));
    ASSERT_TRUE(patch_result_status(patched, capture.capabilities(), 0xFFFF, flipped));
    for (std::size_t i = 0; i < patched.size(); ++i) {
      bool in_field = false;
      for (std::size_t k = 0; k < found->count; ++k) {
        in_field = in_field || i == found->at[k] || i == found->at[k] + 1;
      }
      if (!in_field) {
        EXPECT_EQ(patched[i], original[i]) << "byte " << i;
      }
    }
    const std::size_t last = found->at[found->count - 1];
    const auto merged = merge_status(&original[last], 0xFFFF, flipped);
    EXPECT_EQ(patched[last], merged[0]);
    EXPECT_EQ(patched[last + 1], merged[1]);
  }
}

// Classic protocol: the EOF after the definitions and the terminator are two packets. A value
// whose last packet would be both is not a result set (and its two offsets would coincide).
TEST(ResultStatusPatch, ClassicResultWithoutATerminatorIsRejected) {
  Bytes bytes = result_with_column_count(1);  // count, definition (an EOF), EOF
  EXPECT_FALSE(find_result_status(bytes, cap::kProtocol41).has_value());
  EXPECT_TRUE(find_result_status(bytes, cap::kProtocol41 | cap::kDeprecateEof).has_value());
}

TEST(ResultStatusPatch, MergeTakesOnlyTheMaskedBits) {
  const std::uint8_t flags[2] = {0x22, 0x40};  // 0x4022
  const auto merged = merge_status(flags, status::kInTrans | status::kAutocommit, status::kInTrans);
  EXPECT_EQ(merged[0] | (merged[1] << 8), (0x4022 & ~0x0003) | 0x0001);
}

}  // namespace
}  // namespace sqlcache::wire
