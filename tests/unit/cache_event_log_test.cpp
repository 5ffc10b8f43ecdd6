// The process-wide log of store and corrupt-value events (proxy/cache_events.hpp): one line for
// the process, whatever the number of worker threads that see the event.
#include "proxy/cache_events.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proxy/log.hpp"

namespace sqlcache::proxy {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class CacheEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override { set_log_options(LogLevel::info, LogFormat::text); }
};

TEST_F(CacheEventLogTest, StoreDownOnEveryWorkerIsOneLine) {
  CacheEventLog events(3, "redis://127.0.0.1:6379");
  testing::internal::CaptureStderr();
  events.store_event(0, "down", "auth failed: WRONGPASS");
  events.store_event(1, "down", "auth failed: WRONGPASS");
  events.store_event(2, "down", "auth failed: WRONGPASS");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "event=down"), 1u) << log;
  EXPECT_NE(log.find("reason=\"auth failed: WRONGPASS\""), std::string::npos) << log;
  EXPECT_FALSE(events.store_up());
}

TEST_F(CacheEventLogTest, UpIsLoggedWhenTheLastWorkerHasTheStoreBack) {
  CacheEventLog events(2, "redis://127.0.0.1:6379");
  events.store_event(0, "down", "connection refused");
  events.store_event(1, "down", "connection refused");
  testing::internal::CaptureStderr();
  events.store_event(0, "up", "");
  EXPECT_FALSE(events.store_up());
  events.store_event(1, "up", "");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "event=up"), 1u) << log;
  EXPECT_TRUE(events.store_up());
}

TEST_F(CacheEventLogTest, RepeatedEventsOfOneWorkerChangeNothing) {
  CacheEventLog events(2, "redis://127.0.0.1:6379");
  testing::internal::CaptureStderr();
  events.store_event(1, "down", "timeout");
  events.store_event(1, "down", "timeout");
  events.store_event(0, "up", "");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "event=down"), 1u) << log;
  EXPECT_EQ(count(log, "event=up"), 0u) << log;
  EXPECT_FALSE(events.store_up());
}

TEST_F(CacheEventLogTest, OnlyTheFirstCorruptValueIsLogged) {
  CacheEventLog events(2, "memory");
  testing::internal::CaptureStderr();
  events.corrupt_value("sqlcache:q:1", "bad_checksum");
  events.corrupt_value("sqlcache:q:2", "too_short");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "event=corrupt_value"), 1u) << log;
  EXPECT_NE(log.find("problem=bad_checksum"), std::string::npos) << log;
}

TEST_F(CacheEventLogTest, ARefusedPttlIsOneLineAndLeavesTheStoreUp) {
  CacheEventLog events(2, "redis://127.0.0.1:6379");
  testing::internal::CaptureStderr();
  events.store_event(0, "near_cache_pttl_refused", "server error: NOPERM no permissions");
  events.store_event(1, "near_cache_pttl_refused", "server error: NOPERM no permissions");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "component=near_cache event=pttl_refused"), 1u) << log;
  EXPECT_NE(log.find("NOPERM"), std::string::npos) << log;
  EXPECT_TRUE(events.store_up());
}

}  // namespace
}  // namespace sqlcache::proxy
