// COM_STMT_EXECUTE parameters as cache-key bytes, from executes captured against MariaDB.
#include <gtest/gtest.h>

#include "mysql_wire/stmt_execute.hpp"
#include "wire_capture.hpp"

namespace sqlcache::wire {
namespace {

using testing::load_capture;

// "SELECT id, name FROM planet WHERE id > ? AND name <> ?" executed with (2, 'Mars').
Bytes captured_execute() { return load_capture("stmt_execute_params.classic").command(); }

// The same statement executed again with the types left out (new-params-bound flag 0).
Bytes without_types(const Bytes& execute, std::size_t num_params) {
  const std::size_t flag_at = 10 + (num_params + 7) / 8;
  Bytes out(execute.begin(), execute.begin() + static_cast<std::ptrdiff_t>(flag_at));
  out.push_back(0);
  out.insert(out.end(), execute.begin() + static_cast<std::ptrdiff_t>(flag_at + 1 + 2 * num_params),
             execute.end());
  return out;
}

TEST(WireStmtExecute, CapturedExecuteHasTypesAndValues) {
  auto p = canonical_execute_parameters(captured_execute(), 2, {});
  ASSERT_TRUE(p);
  // MYSQL_TYPE_LONGLONG, MYSQL_TYPE_VAR_STRING, each with a zero flags byte.
  EXPECT_EQ(p->types, std::string("\x08\x00\xFD\x00", 4));
  // types, NULL bitmap (no NULLs), 8-byte 2, lenenc "Mars"
  EXPECT_EQ(p->key_bytes, p->types + std::string("\x00", 1) +
                              std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8) + "\x04Mars");
}

TEST(WireStmtExecute, TypesLeftOutComeFromTheEarlierExecute) {
  const Bytes first = captured_execute();
  auto with = canonical_execute_parameters(first, 2, {});
  ASSERT_TRUE(with);
  auto again = canonical_execute_parameters(without_types(first, 2), 2, with->types);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->key_bytes, with->key_bytes);
}

TEST(WireStmtExecute, TypesLeftOutAndUnknownIsNoKey) {
  EXPECT_FALSE(canonical_execute_parameters(without_types(captured_execute(), 2), 2, {}));
  EXPECT_FALSE(canonical_execute_parameters(without_types(captured_execute(), 2), 2, "\x08"));
}

TEST(WireStmtExecute, DifferentValuesGiveDifferentKeys) {
  Bytes other = captured_execute();
  other[other.size() - 1] = 'z';  // 'Marz'
  auto a = canonical_execute_parameters(captured_execute(), 2, {});
  auto b = canonical_execute_parameters(other, 2, {});
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->key_bytes, b->key_bytes);
}

TEST(WireStmtExecute, NullParameterIsInTheKey) {
  auto with_null = canonical_execute_parameters(
      load_capture("stmt_execute_null_param.classic").command(), 2, {});
  auto with_value = canonical_execute_parameters(captured_execute(), 2, {});
  ASSERT_TRUE(with_null && with_value);
  EXPECT_EQ(with_null->key_bytes[with_null->types.size()], '\x01') << "bitmap: first is NULL";
  EXPECT_NE(with_null->key_bytes, with_value->key_bytes);
}

TEST(WireStmtExecute, SignednessOfATypeIsInTheKey) {
  Bytes unsigned_first = captured_execute();
  unsigned_first[10 + 1 + 1 + 1] = 0x80;  // the first parameter's flags byte: UNSIGNED
  auto a = canonical_execute_parameters(captured_execute(), 2, {});
  auto b = canonical_execute_parameters(unsigned_first, 2, {});
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->key_bytes, b->key_bytes);
}

TEST(WireStmtExecute, NoParametersIsAnEmptyKey) {
  auto p =
      canonical_execute_parameters(load_capture("stmt_execute_types.classic").command(), 0, {});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->key_bytes.empty());
  EXPECT_TRUE(p->types.empty());
}

TEST(WireStmtExecute, TruncatedBeforeTheValuesIsNoKey) {
  const Bytes full = captured_execute();
  const std::size_t values_start = 10 + 1 + 1 + 4;
  for (std::size_t cut = 0; cut < values_start; ++cut) {
    EXPECT_FALSE(canonical_execute_parameters(ByteView(full).first(cut), 2, {}))
        << "cut at " << cut;
  }
}

TEST(WireStmtExecute, UnknownNewParamsBoundFlagIsNoKey) {
  Bytes odd = captured_execute();
  odd[11] = 2;
  EXPECT_FALSE(canonical_execute_parameters(odd, 2, {}));
}

}  // namespace
}  // namespace sqlcache::wire
