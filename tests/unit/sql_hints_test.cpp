// The proxy's /*+ sqlcache ... */ directives.
#include <gtest/gtest.h>

#include "cache/sql_analysis.hpp"
#include "cache/sql_hints.hpp"

namespace sqlcache::cache {
namespace {

using std::chrono::milliseconds;

TEST(HintDuration, AcceptsUnitsAndPlainSeconds) {
  EXPECT_EQ(parse_hint_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_hint_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_hint_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(parse_hint_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_hint_duration("45"), milliseconds(45'000));
  EXPECT_EQ(parse_hint_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_hint_duration("2H"), milliseconds(7'200'000));
}

TEST(HintDuration, RejectsGarbageAndHugeValues) {
  for (const char* text :
       {"", "s", "abc", "10x", "1.5s", "-1", "10 s", "99999999999", "8761h", "ms30"}) {
    EXPECT_FALSE(parse_hint_duration(text)) << text;
  }
  EXPECT_TRUE(parse_hint_duration("8760h"));
}

TEST(CacheHint, ReadsTtl) {
  const CacheHint h = parse_cache_hint("/*+ sqlcache ttl=30s */");
  EXPECT_TRUE(h.present);
  EXPECT_FALSE(h.off);
  EXPECT_FALSE(h.malformed);
  EXPECT_TRUE(h.only_sqlcache);
  EXPECT_EQ(h.ttl, milliseconds(30'000));
}

TEST(CacheHint, ReadsTtlWithSpacesAndAnyCase) {
  const CacheHint h = parse_cache_hint("/*+   SQLCache  TTL =  2m   */");
  EXPECT_TRUE(h.present);
  EXPECT_EQ(h.ttl, milliseconds(120'000));
  EXPECT_TRUE(h.only_sqlcache);
}

TEST(CacheHint, ReadsOff) {
  const CacheHint h = parse_cache_hint("/*+ sqlcache off */");
  EXPECT_TRUE(h.present);
  EXPECT_TRUE(h.off);
  EXPECT_FALSE(h.ttl);
}

TEST(CacheHint, TtlZeroMeansOff) {
  const CacheHint h = parse_cache_hint("/*+ sqlcache ttl=0 */");
  EXPECT_TRUE(h.off);
}

TEST(CacheHint, IgnoresOtherHints) {
  const CacheHint h = parse_cache_hint("/*+ MAX_EXECUTION_TIME(1000) */");
  EXPECT_FALSE(h.present);
  EXPECT_FALSE(h.only_sqlcache);
}

TEST(CacheHint, MixedWithServerHintsIsNotOnlyOurs) {
  const CacheHint h = parse_cache_hint("/*+ NO_ICP(t) sqlcache ttl=5s */");
  EXPECT_TRUE(h.present);
  EXPECT_EQ(h.ttl, milliseconds(5'000));
  EXPECT_FALSE(h.only_sqlcache);
}

TEST(CacheHint, MalformedTtlIsIgnored) {
  for (const char* text : {"/*+ sqlcache */", "/*+ sqlcache ttl */", "/*+ sqlcache ttl= */",
                           "/*+ sqlcache ttl=forever */", "/*+ sqlcache ttl 30s */"}) {
    const CacheHint h = parse_cache_hint(text);
    EXPECT_TRUE(h.present) << text;
    EXPECT_TRUE(h.malformed) << text;
    EXPECT_FALSE(h.ttl) << text;
    EXPECT_FALSE(h.only_sqlcache) << text;
  }
}

TEST(CacheHint, OffSurvivesALaterMalformedDirective) {
  const CacheHint h = parse_cache_hint("/*+ sqlcache off ttl=soon */");
  EXPECT_TRUE(h.off);
  EXPECT_TRUE(h.malformed);
}

TEST(CacheHint, NotAHintToken) {
  EXPECT_FALSE(parse_cache_hint("/* sqlcache ttl=30s */").present);
  EXPECT_FALSE(parse_cache_hint("sqlcache ttl=30s").present);
  EXPECT_FALSE(parse_cache_hint("/*+*/").present);
}

TEST(AnalysisHints, TtlHintAnywhereInTheStatement) {
  EXPECT_EQ(analyze("SELECT /*+ sqlcache ttl=30s */ * FROM t").ttl_hint, milliseconds(30'000));
  EXPECT_EQ(analyze("SELECT * FROM t /*+ sqlcache ttl=10m */").ttl_hint, milliseconds(600'000));
  EXPECT_EQ(analyze("/*+ sqlcache ttl=1h */ SELECT * FROM t").ttl_hint, milliseconds(3'600'000));
  EXPECT_TRUE(analyze("SELECT /*+ sqlcache ttl=30s */ * FROM t").cacheable);
}

TEST(AnalysisHints, ShortestTtlWins) {
  EXPECT_EQ(analyze("SELECT /*+ sqlcache ttl=1h */ * FROM t /*+ sqlcache ttl=5s */").ttl_hint,
            milliseconds(5'000));
}

TEST(AnalysisHints, OffBypassesWithItsOwnReason) {
  const Analysis a = analyze("SELECT /*+ sqlcache off */ * FROM t");
  EXPECT_TRUE(a.hint_off);
  EXPECT_FALSE(a.cacheable);
  EXPECT_EQ(a.reason, BypassReason::HintOff);
  EXPECT_EQ(analyze("SELECT /*+ sqlcache ttl=0s */ * FROM t").reason, BypassReason::HintOff);
}

TEST(AnalysisHints, PlainCommentIsNotAHint) {
  const Analysis a = analyze("SELECT /* sqlcache off */ * FROM t");
  EXPECT_FALSE(a.hint_off);
  EXPECT_TRUE(a.cacheable);
}

TEST(AnalysisHints, MalformedHintIsReportedAndIgnored) {
  const Analysis a = analyze("SELECT /*+ sqlcache ttl=soon */ * FROM t");
  EXPECT_TRUE(a.hint_malformed);
  EXPECT_FALSE(a.ttl_hint);
  EXPECT_TRUE(a.cacheable);
}

}  // namespace
}  // namespace sqlcache::cache
