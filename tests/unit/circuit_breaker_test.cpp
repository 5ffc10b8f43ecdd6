#include "cache/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace sqlcache::cache {
namespace {

using std::chrono::milliseconds;
using State = CircuitBreaker::State;

// An invented clock: the breaker only ever sees the time points the test hands it.
struct FakeClock {
  CircuitBreaker::Clock::time_point now{};
  void advance(milliseconds by) { now += by; }
};

CircuitBreakerOptions options() {
  return CircuitBreakerOptions{.failure_threshold = 5,
                               .initial_cooldown = milliseconds(1000),
                               .max_cooldown = milliseconds(30000)};
}

void fail_times(CircuitBreaker& breaker, FakeClock& clock, int times) {
  for (int i = 0; i < times; ++i) {
    ASSERT_TRUE(breaker.allow(clock.now));
    breaker.record_failure(clock.now);
  }
}

TEST(CircuitBreaker, StartsClosedAndAllowsCalls) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  EXPECT_EQ(breaker.state(), State::Closed);
  EXPECT_TRUE(breaker.allow(clock.now));
  EXPECT_TRUE(breaker.would_allow(clock.now));
}

TEST(CircuitBreaker, StaysClosedBelowTheFailureThreshold) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 4);
  EXPECT_EQ(breaker.state(), State::Closed);
  EXPECT_EQ(breaker.consecutive_failures(), 4u);
  EXPECT_TRUE(breaker.allow(clock.now));
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndReportsTheTransitionOnce) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(breaker.record_failure(clock.now));
  EXPECT_TRUE(breaker.record_failure(clock.now));
  EXPECT_EQ(breaker.state(), State::Open);
  EXPECT_FALSE(breaker.record_failure(clock.now));  // a late failure while open: no new event
}

TEST(CircuitBreaker, SuccessResetsTheConsecutiveCount) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 4);
  EXPECT_FALSE(breaker.record_success());  // it was never down
  fail_times(breaker, clock, 4);
  EXPECT_EQ(breaker.state(), State::Closed);
}

TEST(CircuitBreaker, RefusesCallsWhileOpen) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(999));
  EXPECT_FALSE(breaker.allow(clock.now));
  EXPECT_FALSE(breaker.would_allow(clock.now));
  EXPECT_EQ(breaker.state(), State::Open);
}

TEST(CircuitBreaker, AllowsExactlyOneProbeAfterTheCooldown) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  EXPECT_TRUE(breaker.would_allow(clock.now));
  EXPECT_TRUE(breaker.allow(clock.now));
  EXPECT_EQ(breaker.state(), State::HalfOpen);
  EXPECT_FALSE(breaker.allow(clock.now));
  EXPECT_FALSE(breaker.would_allow(clock.now));
}

TEST(CircuitBreaker, SuccessfulProbeClosesAndReportsRecovery) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  ASSERT_TRUE(breaker.allow(clock.now));
  EXPECT_TRUE(breaker.record_success());
  EXPECT_EQ(breaker.state(), State::Closed);
  EXPECT_TRUE(breaker.allow(clock.now));
  EXPECT_TRUE(breaker.allow(clock.now));
}

TEST(CircuitBreaker, FailedProbeReopensWithDoubledCooldown) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  ASSERT_TRUE(breaker.allow(clock.now));
  EXPECT_FALSE(breaker.record_failure(clock.now));  // still down: no new event
  EXPECT_EQ(breaker.state(), State::Open);
  EXPECT_EQ(breaker.cooldown(), milliseconds(2000));
  clock.advance(milliseconds(1999));
  EXPECT_FALSE(breaker.allow(clock.now));
  clock.advance(milliseconds(1));
  EXPECT_TRUE(breaker.allow(clock.now));
}

TEST(CircuitBreaker, CooldownDoublingStopsAtTheMaximum) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  std::vector<long> cooldowns;
  for (int i = 0; i < 8; ++i) {
    clock.advance(breaker.cooldown());
    ASSERT_TRUE(breaker.allow(clock.now));
    breaker.record_failure(clock.now);
    cooldowns.push_back(static_cast<long>(breaker.cooldown().count()));
  }
  EXPECT_EQ(cooldowns, (std::vector<long>{2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000}));
}

TEST(CircuitBreaker, RecoveryResetsTheCooldown) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  ASSERT_TRUE(breaker.allow(clock.now));
  breaker.record_failure(clock.now);  // cooldown now 2 s
  clock.advance(milliseconds(2000));
  ASSERT_TRUE(breaker.allow(clock.now));
  breaker.record_success();
  EXPECT_EQ(breaker.cooldown(), milliseconds(1000));
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  EXPECT_TRUE(breaker.allow(clock.now));
}

TEST(CircuitBreaker, NeedsAFullRunOfFailuresAgainAfterRecovery) {
  CircuitBreaker breaker(options());
  FakeClock clock;
  fail_times(breaker, clock, 5);
  clock.advance(milliseconds(1000));
  ASSERT_TRUE(breaker.allow(clock.now));
  breaker.record_success();
  fail_times(breaker, clock, 4);
  EXPECT_EQ(breaker.state(), State::Closed);
}

TEST(CircuitBreaker, NamesItsStates) {
  EXPECT_EQ(to_string(State::Closed), "closed");
  EXPECT_EQ(to_string(State::Open), "open");
  EXPECT_EQ(to_string(State::HalfOpen), "half-open");
}

}  // namespace
}  // namespace sqlcache::cache
