// COM_STMT_EXECUTE parameters: the canonical bytes that go into a cache key, and the types the
// proxy restores when the server has not seen them.
#include <gtest/gtest.h>

#include "mysql_wire/stmt_execute.hpp"

namespace sqlcache::wire {
namespace {

// 0x17, statement id 7, no cursor, iteration count 1, then `rest`. (push_back rather than
// vector::insert: g++ 12 reports a false -Warray-bounds for the latter at -O2.)
Bytes header(std::initializer_list<std::uint8_t> rest = {}) {
  Bytes p = {0x17, 7, 0, 0, 0, 0x00, 1, 0, 0, 0};
  for (std::uint8_t b : rest) p.push_back(b);
  return p;
}

Bytes execute_with_types(std::uint8_t value) {
  // NULL bitmap, types bound, MYSQL_TYPE_LONGLONG, the value.
  return header({0x00, 0x01, 0x08, 0x00, value, 0, 0, 0, 0, 0, 0, 0});
}

Bytes execute_without_types(std::uint8_t value) {
  return header({0x00, 0x00, value, 0, 0, 0, 0, 0, 0, 0});
}

TEST(StmtExecuteParameters, SameValuesGiveSameKeyWhetherTypesAreSentOrRemembered) {
  auto first = canonical_execute_parameters(execute_with_types(42), 1, "");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->types, std::string("\x08\x00", 2));
  auto again = canonical_execute_parameters(execute_without_types(42), 1, first->types);
  ASSERT_TRUE(again);
  EXPECT_EQ(first->key_bytes, again->key_bytes);
}

TEST(StmtExecuteParameters, DifferentValuesGiveDifferentKeys) {
  auto a = canonical_execute_parameters(execute_with_types(1), 1, "");
  auto b = canonical_execute_parameters(execute_with_types(2), 1, "");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->key_bytes, b->key_bytes);
}

TEST(StmtExecuteParameters, UnsignedFlagChangesTheKey) {
  Bytes signed_payload = execute_with_types(5);
  Bytes unsigned_payload = signed_payload;
  unsigned_payload[13] = 0x80;  // parameter flag byte: unsigned
  auto a = canonical_execute_parameters(signed_payload, 1, "");
  auto b = canonical_execute_parameters(unsigned_payload, 1, "");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->key_bytes, b->key_bytes);
}

TEST(StmtExecuteParameters, NullBitmapChangesTheKey) {
  Bytes null_payload = header({0x01, 0x01, 0x08, 0x00});
  auto null_param = canonical_execute_parameters(null_payload, 1, "");
  auto zero_param = canonical_execute_parameters(execute_with_types(0), 1, "");
  ASSERT_TRUE(null_param && zero_param);
  EXPECT_NE(null_param->key_bytes, zero_param->key_bytes);
}

TEST(StmtExecuteParameters, TypesOmittedAndUnknownIsNotCacheable) {
  EXPECT_FALSE(canonical_execute_parameters(execute_without_types(1), 1, ""));
}

TEST(StmtExecuteParameters, TruncatedPayloadIsRejected) {
  Bytes full = execute_with_types(3);
  for (std::size_t n = 0; n < 12; ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(canonical_execute_parameters(cut, 1, "")) << n;
  }
}

TEST(StmtExecuteParameters, NoParametersHasEmptyKeyBytes) {
  auto p = canonical_execute_parameters(header(), 0, "");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->key_bytes.empty());
}

TEST(WithParameterTypes, InsertsTheRememberedTypesAndSetsTheFlag) {
  Bytes restored = with_parameter_types(execute_without_types(42), 1, std::string("\x08\x00", 2));
  EXPECT_EQ(restored, execute_with_types(42));
}

TEST(WithParameterTypes, LeavesPacketsThatAlreadyCarryTypes) {
  EXPECT_TRUE(with_parameter_types(execute_with_types(42), 1, std::string("\x08\x00", 2)).empty());
}

TEST(WithParameterTypes, RefusesTypesOfTheWrongLength) {
  EXPECT_TRUE(with_parameter_types(execute_without_types(42), 1, std::string("\x08", 1)).empty());
}

}  // namespace
}  // namespace sqlcache::wire
