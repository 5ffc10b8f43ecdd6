#include <gtest/gtest.h>

#include "config/byte_size.hpp"
#include "config/duration.hpp"

namespace sqlcache::config {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("1d"), milliseconds(86'400'000));
}

TEST(Duration, PlainNumberIsSeconds) {
  EXPECT_EQ(parse_duration("45"), milliseconds(45'000));
  EXPECT_EQ(parse_duration("007"), milliseconds(7'000));
}

TEST(Duration, ZeroInAnySpelling) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
}

TEST(Duration, CompoundsAddUpLargestUnitFirst) {
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("1m30s500ms"), milliseconds(90'500));
  EXPECT_EQ(parse_duration("2d0h5s"), milliseconds(2 * 86'400'000 + 5'000));
}

TEST(Duration, RejectsUnitsOutOfOrderOrRepeated) {
  EXPECT_EQ(parse_duration("30m1h"), std::nullopt);
  EXPECT_EQ(parse_duration("1s1s"), std::nullopt);
  EXPECT_EQ(parse_duration("500ms1s"), std::nullopt);
}

TEST(Duration, RejectsNegativesFractionsAndGarbage) {
  for (const char* text : {"", "-5s", "-0", "+5s", "1.5s", "abc", "s", "ms", "5x", "5S", "5 s",
                           " 5s", "5s ", "1h30", "5sec", "0x10", "1e3"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(Duration, RejectsValuesThatOverflowMilliseconds) {
  EXPECT_EQ(parse_duration("9223372036854775807ms"), milliseconds(INT64_MAX));
  EXPECT_EQ(parse_duration("9223372036854775808ms"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854775"), milliseconds(9223372036854775000));
  EXPECT_EQ(parse_duration("9223372036854776"), std::nullopt);
  EXPECT_EQ(parse_duration("106751991167d"), milliseconds(106751991167 * 86'400'000));
  EXPECT_EQ(parse_duration("106751991168d"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999s"), std::nullopt);
  // Each part fits; the sum fits exactly, or overflows by one millisecond.
  EXPECT_EQ(parse_duration("106751991167d7h12m55s807ms"), milliseconds(INT64_MAX));
  EXPECT_EQ(parse_duration("106751991167d7h12m55s808ms"), std::nullopt);
}

TEST(Duration, FormatsWithTheLargestUnits) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
  EXPECT_EQ(format_duration(milliseconds(90'061'001)), "1d1h1m1s1ms");
  EXPECT_EQ(format_duration(milliseconds(-1500)), "-1s500ms");
}

TEST(Duration, FormatReadsBackAsTheSameValue) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999}, std::int64_t{1000},
                          std::int64_t{61'001}, std::int64_t{3'600'000}, INT64_MAX}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

TEST(ByteSize, PlainNumberIsBytes) {
  EXPECT_EQ(parse_byte_size("0"), 0u);
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
}

TEST(ByteSize, ReadsBinaryUnits) {
  EXPECT_EQ(parse_byte_size("512B"), 512u);
  EXPECT_EQ(parse_byte_size("16KiB"), 16u * 1024);
  EXPECT_EQ(parse_byte_size("64MiB"), 64u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1TiB"), 1ull << 40);
}

TEST(ByteSize, RejectsDecimalUnitsAndGarbage) {
  for (const char* text :
       {"", "64MB", "64M", "64mib", "64 MiB", "1.5MiB", "-1", "MiB", "0x10", "64MiBs", "+1"}) {
    EXPECT_EQ(parse_byte_size(text), std::nullopt) << text;
  }
}

TEST(ByteSize, RejectsOverflow) {
  EXPECT_EQ(parse_byte_size("16777215TiB"), 16777215ull << 40);
  EXPECT_EQ(parse_byte_size("16777216TiB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_byte_size("18446744073709551616"), std::nullopt);
}

TEST(ByteSize, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(1000), "1000B");
  EXPECT_EQ(format_byte_size(1024), "1KiB");
  EXPECT_EQ(format_byte_size(1536), "1536B");
  EXPECT_EQ(format_byte_size(256 * kMiB), "256MiB");
  EXPECT_EQ(format_byte_size(3 * kGiB), "3GiB");
  for (std::uint64_t bytes : {std::uint64_t{1}, std::uint64_t{1000}, std::uint64_t{4096}, 64 * kMiB,
                              std::uint64_t{UINT64_MAX}}) {
    EXPECT_EQ(parse_byte_size(format_byte_size(bytes)), bytes);
  }
}

}  // namespace
}  // namespace sqlcache::config
