// The bounded memo of the hit path: GenerationalMemo keeps a working set that fits its budget,
// holds at most about twice that, and AnalysisMemo answers exactly what analysing again would.
#include "proxy/generational_memo.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proxy/analysis_memo.hpp"

namespace sqlcache::proxy {

namespace {

// Every entry costs 1: at most 4 in a generation.
using SmallMemo = GenerationalMemo<int, std::string, 4>;

TEST(GenerationalMemo, RemembersAndReplaces) {
  SmallMemo memo;
  EXPECT_EQ(memo.find(1), nullptr);
  memo.insert(1, "one", 1);
  ASSERT_NE(memo.find(1), nullptr);
  EXPECT_EQ(*memo.find(1), "one");
  memo.insert(1, "uno", 1);
  EXPECT_EQ(*memo.find(1), "uno");
  EXPECT_EQ(memo.size(), 1u);
}

TEST(GenerationalMemo, HoldsAtMostTwoGenerations) {
  SmallMemo memo;
  for (int i = 0; i < 100; ++i) {
    memo.insert(i, std::to_string(i), 1);
    ASSERT_LE(memo.size(), 2 * SmallMemo::kCostPerGeneration);
  }
  EXPECT_NE(memo.find(99), nullptr);
  EXPECT_EQ(memo.find(0), nullptr);
}

TEST(GenerationalMemo, AWorkingSetWithinTheBudgetAlwaysHits) {
  SmallMemo memo;
  for (int i = 0; i < 4; ++i) memo.insert(i, std::to_string(i), 1);
  // Newcomers push the working set into the previous generation; using it brings it back, and
  // it survives any number of newcomers as long as it keeps being used.
  for (int round = 0; round < 10; ++round) {
    memo.insert(100 + round, "new", 1);
    for (int i = 0; i < 4; ++i) {
      const std::string* value = memo.find(i);
      ASSERT_NE(value, nullptr) << "round " << round << ", key " << i;
      EXPECT_EQ(*value, std::to_string(i));
    }
  }
}

TEST(GenerationalMemo, CostsFillAGeneration) {
  SmallMemo memo;
  memo.insert(1, "a", 3);
  memo.insert(2, "b", 3);  // 6 > 4: entry 1 moves to the previous generation
  memo.insert(3, "c", 3);  // and is dropped here
  EXPECT_EQ(memo.find(1), nullptr);
  EXPECT_NE(memo.find(2), nullptr);
  EXPECT_NE(memo.find(3), nullptr);
}

TEST(GenerationalMemo, AnEntryInsertedAgainFromThePreviousGenerationIsNotKeptTwice) {
  SmallMemo memo;
  for (int i = 0; i < 5; ++i) memo.insert(i, "old", 1);  // 0..3 are the previous generation
  memo.insert(2, "new", 1);
  EXPECT_EQ(*memo.find(2), "new");
  EXPECT_EQ(memo.size(), 5u);
  memo.clear();
  EXPECT_EQ(memo.size(), 0u);
  EXPECT_EQ(memo.find(2), nullptr);
}

TEST(AnalysisMemo, AnswersWhatAnalysingAgainWouldAndIsBoundedByMemory) {
  AnalysisMemo memo;
  const cache::AnalyzeOptions options;
  auto first = memo.analyze("SELECT * FROM shop.items WHERE id = 1", options);
  EXPECT_EQ(memo.analyze("SELECT * FROM shop.items WHERE id = 1", options), first);
  EXPECT_EQ(first->normalized, cache::analyze("SELECT * FROM shop.items WHERE id = 1").normalized);

  cache::AnalyzeOptions ansi = options;
  ansi.lexical.ansi_quotes = true;
  auto quoted = memo.analyze("SELECT \"a\" FROM shop.items", ansi);
  EXPECT_NE(quoted, memo.analyze("SELECT \"a\" FROM shop.items", options))
      << "the lexical mode changes what the text means: each mode has its own memo";

  // Statements of 1 KiB: each costs more than 2 KiB, so a generation holds fewer than 2,048.
  const std::string padding(1000, 'x');
  for (int i = 0; i < 5000; ++i) {
    memo.analyze("SELECT '" + padding + "' FROM shop.items WHERE id = " + std::to_string(i),
                 options);
  }
  EXPECT_LE(memo.size(), 2 * AnalysisMemo::kBytesPerGeneration / 2048 + 4);
}

}  // namespace
}  // namespace sqlcache::proxy
