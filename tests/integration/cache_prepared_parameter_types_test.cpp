// Bound parameters of every common type as part of the cache key, through libmysqlclient
// against the real MariaDB and Redis. For each type a table holds two rows that differ only
// in that column; `SELECT id FROM t WHERE v <=> ?` then names the row a parameter matched, so
// a wrong entry shows as a wrong id. Equal values must share an entry (the backend's
// Com_stmt_execute does not move), different values must not.
#include <gtest/gtest.h>
#include <mysql.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "support/cache_fixture.hpp"
#include "support/mysql_client.hpp"

namespace sqlcache::testing {
namespace {

// A parameter value as the C API takes it: a buffer of the C type that buffer_type names.
struct BoundValue {
  enum_field_types type = MYSQL_TYPE_NULL;
  bool is_unsigned = false;
  std::string buffer;  // the C value's bytes (an integer, a double, MYSQL_TIME, or text)
  bool is_null = false;

  template <typename T>
  static BoundValue of(enum_field_types type, T value, bool is_unsigned = false) {
    BoundValue bound{type, is_unsigned, std::string(sizeof value, '\0')};
    std::memcpy(bound.buffer.data(), &value, sizeof value);
    return bound;
  }
  static BoundValue text(enum_field_types type, std::string bytes) {
    return BoundValue{type, false, std::move(bytes)};
  }
  static BoundValue time(enum_field_types type, MYSQL_TIME value) { return of(type, value); }
  static BoundValue null() { return BoundValue{MYSQL_TYPE_NULL, false, {}, true}; }
};

MYSQL_TIME make_time(enum_mysql_timestamp_type kind, unsigned year, unsigned month, unsigned day,
                     unsigned hour, unsigned minute, unsigned second, unsigned long micros = 0,
                     bool negative = false) {
  MYSQL_TIME t{};
  t.year = year;
  t.month = month;
  t.day = day;
  t.hour = hour;
  t.minute = minute;
  t.second = second;
  t.second_part = micros;
  t.neg = negative;
  t.time_type = kind;
  return t;
}

// One type: the column, two rows (id 1 holds `first`, id 2 holds `second` as SQL literals),
// and the same two values as bound parameters.
struct TypeCase {
  std::string name;
  std::string column;
  std::string first_literal;
  std::string second_literal;
  std::function<BoundValue()> first;
  std::function<BoundValue()> second;
};

void PrintTo(const TypeCase& type_case, std::ostream* out) { *out << type_case.name; }

std::vector<TypeCase> type_cases() {
  using B = BoundValue;
  return {
      {"TinySigned", "TINYINT", "-5", "5", [] { return B::of<signed char>(MYSQL_TYPE_TINY, -5); },
       [] { return B::of<signed char>(MYSQL_TYPE_TINY, 5); }},
      {"TinyUnsigned", "TINYINT UNSIGNED", "250", "251",
       [] { return B::of<unsigned char>(MYSQL_TYPE_TINY, 250, true); },
       [] { return B::of<unsigned char>(MYSQL_TYPE_TINY, 251, true); }},
      {"ShortSigned", "SMALLINT", "-300", "300",
       [] { return B::of<short>(MYSQL_TYPE_SHORT, -300); },
       [] { return B::of<short>(MYSQL_TYPE_SHORT, 300); }},
      {"ShortUnsigned", "SMALLINT UNSIGNED", "65535", "65534",
       [] { return B::of<unsigned short>(MYSQL_TYPE_SHORT, 65535, true); },
       [] { return B::of<unsigned short>(MYSQL_TYPE_SHORT, 65534, true); }},
      {"LongSigned", "INT", "-70000", "70000", [] { return B::of<int>(MYSQL_TYPE_LONG, -70000); },
       [] { return B::of<int>(MYSQL_TYPE_LONG, 70000); }},
      {"LongUnsigned", "INT UNSIGNED", "4294967295", "4294967294",
       [] { return B::of<unsigned>(MYSQL_TYPE_LONG, 4294967295u, true); },
       [] { return B::of<unsigned>(MYSQL_TYPE_LONG, 4294967294u, true); }},
      {"LongLongSigned", "BIGINT", "-1099511627776", "1099511627776",
       [] { return B::of<long long>(MYSQL_TYPE_LONGLONG, -1099511627776LL); },
       [] { return B::of<long long>(MYSQL_TYPE_LONGLONG, 1099511627776LL); }},
      {"LongLongUnsigned", "BIGINT UNSIGNED", "18446744073709551615", "18446744073709551614",
       [] { return B::of<unsigned long long>(MYSQL_TYPE_LONGLONG, 18446744073709551615ULL, true); },
       [] {
         return B::of<unsigned long long>(MYSQL_TYPE_LONGLONG, 18446744073709551614ULL, true);
       }},
      {"Float", "FLOAT", "1.5", "2.5", [] { return B::of<float>(MYSQL_TYPE_FLOAT, 1.5f); },
       [] { return B::of<float>(MYSQL_TYPE_FLOAT, 2.5f); }},
      {"Double", "DOUBLE", "0.25", "0.5", [] { return B::of<double>(MYSQL_TYPE_DOUBLE, 0.25); },
       [] { return B::of<double>(MYSQL_TYPE_DOUBLE, 0.5); }},
      {"DecimalAsString", "DECIMAL(12,3)", "12.345", "12.346",
       [] { return B::text(MYSQL_TYPE_NEWDECIMAL, "12.345"); },
       [] { return B::text(MYSQL_TYPE_NEWDECIMAL, "12.346"); }},
      {"MultibyteString", "VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "'Zürich'",
       "'東京😀'", [] { return B::text(MYSQL_TYPE_STRING, "Z\xC3\xBCrich"); },
       [] { return B::text(MYSQL_TYPE_STRING, "\xE6\x9D\xB1\xE4\xBA\xAC\xF0\x9F\x98\x80"); }},
      {"Blob", "VARBINARY(16)", "X'0001FF'", "X'0001FE'",
       [] { return B::text(MYSQL_TYPE_BLOB, std::string("\x00\x01\xFF", 3)); },
       [] { return B::text(MYSQL_TYPE_BLOB, std::string("\x00\x01\xFE", 3)); }},
      {"Date", "DATE", "'2024-02-29'", "'2024-03-01'",
       [] {
         return B::time(MYSQL_TYPE_DATE, make_time(MYSQL_TIMESTAMP_DATE, 2024, 2, 29, 0, 0, 0));
       },
       [] {
         return B::time(MYSQL_TYPE_DATE, make_time(MYSQL_TIMESTAMP_DATE, 2024, 3, 1, 0, 0, 0));
       }},
      {"Time", "TIME", "'-12:34:56'", "'12:34:56'",
       [] {
         return B::time(MYSQL_TYPE_TIME,
                        make_time(MYSQL_TIMESTAMP_TIME, 0, 0, 0, 12, 34, 56, 0, true));
       },
       [] {
         return B::time(MYSQL_TYPE_TIME, make_time(MYSQL_TIMESTAMP_TIME, 0, 0, 0, 12, 34, 56));
       }},
      {"DateTimeMicroseconds", "DATETIME(6)", "'2024-01-01 00:00:00.000001'",
       "'2024-01-01 00:00:00.000002'",
       [] {
         return B::time(MYSQL_TYPE_DATETIME,
                        make_time(MYSQL_TIMESTAMP_DATETIME, 2024, 1, 1, 0, 0, 0, 1));
       },
       [] {
         return B::time(MYSQL_TYPE_DATETIME,
                        make_time(MYSQL_TIMESTAMP_DATETIME, 2024, 1, 1, 0, 0, 0, 2));
       }},
      {"NullAndAValue", "INT", "NULL", "0", [] { return B::null(); },
       [] { return B::of<int>(MYSQL_TYPE_LONG, 0); }},
      // The same byte 0xFF: -1 signed, 255 unsigned. Only the unsigned flag tells them apart.
      {"SignedAndUnsignedWithTheSameBits", "SMALLINT", "-1", "255",
       [] { return B::of<signed char>(MYSQL_TYPE_TINY, -1); },
       [] { return B::of<unsigned char>(MYSQL_TYPE_TINY, 255, true); }},
  };
}

class CachePreparedParameterTypesTest : public CacheTest,
                                        public ::testing::WithParamInterface<TypeCase> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CacheTest::SetUp());
    const TypeCase& type_case = GetParam();
    table_ = "ptype_" + type_case.name;
    ASSERT_NO_FATAL_FAILURE(create_table(
        table_, "id INT PRIMARY KEY, v " + type_case.column,
        "(1, " + type_case.first_literal + "), (2, " + type_case.second_literal + ")"));
    ASSERT_NO_FATAL_FAILURE(start_proxy(redis_config()));
    ASSERT_TRUE(connect_proxy(client_));
    statement_ = prepare_statement(client_, "SELECT id FROM " + table_ + " WHERE v <=> ?");
    ASSERT_TRUE(statement_);
  }

  // Binds `value` afresh (the execute carries its type) and runs the lookup.
  struct Lookup {
    std::optional<Rows> rows;
    std::optional<long long> backend_executes;
  };
  Lookup lookup(BoundValue value) {
    MYSQL_BIND bind{};
    bind.buffer_type = value.type;
    bind.buffer = value.buffer.data();
    unsigned long length = value.buffer.size();
    bind.buffer_length = length;
    bind.length = &length;
    bind.is_unsigned = value.is_unsigned;
    my_bool is_null = value.is_null;
    bind.is_null = &is_null;
    Lookup result;
    if (mysql_stmt_bind_param(statement_.get(), &bind) != 0) {
      ADD_FAILURE() << describe_error(statement_.get());
      return result;
    }
    result.backend_executes = counter_delta(
        "Com_stmt_execute", [&] { result.rows = execute_and_fetch(statement_.get()); });
    EXPECT_TRUE(result.rows) << describe_error(statement_.get());
    return result;
  }

  std::string table_;
  MysqlClient client_;
  StatementPtr statement_;
};

TEST_P(CachePreparedParameterTypesTest, EqualValuesShareAnEntryAndDifferentValuesDoNot) {
  const TypeCase& type_case = GetParam();
  const Rows first_row{{"1"}};
  const Rows second_row{{"2"}};

  Lookup first = lookup(type_case.first());
  EXPECT_EQ(first.rows, first_row) << "the database's answer for the first value";
  EXPECT_EQ(first.backend_executes, 1);

  Lookup first_again = lookup(type_case.first());
  EXPECT_EQ(first_again.rows, first_row);
  EXPECT_EQ(first_again.backend_executes, 0) << "an equal value must hit";

  Lookup second = lookup(type_case.second());
  EXPECT_EQ(second.rows, second_row) << "a different value must not be served the first entry";
  EXPECT_EQ(second.backend_executes, 1);

  Lookup second_again = lookup(type_case.second());
  EXPECT_EQ(second_again.rows, second_row);
  EXPECT_EQ(second_again.backend_executes, 0);
}

INSTANTIATE_TEST_SUITE_P(Types, CachePreparedParameterTypesTest, ::testing::ValuesIn(type_cases()),
                         [](const ::testing::TestParamInfo<TypeCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace sqlcache::testing
