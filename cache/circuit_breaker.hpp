#pragma once
// The circuit breaker in front of a remote cache store (design.md decision 7: the cache never
// breaks the application). After `failure_threshold` consecutive failures the breaker opens:
// calls fail at once, without touching the network, so a dead Redis costs the proxy nothing but
// a branch. After the cool-down one probe call is let through (half-open); its success closes
// the breaker, its failure re-opens it with a doubled cool-down (up to `max_cooldown`).
//
// Pure: time is passed in by the caller, so tests drive it with an invented clock. Not
// thread-safe: a store and its breaker live on one io_context thread.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sqlcache::cache {

struct CircuitBreakerOptions {
  std::uint32_t failure_threshold = 5;
  std::chrono::milliseconds initial_cooldown{1000};
  std::chrono::milliseconds max_cooldown{30000};
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { Closed, Open, HalfOpen };

  explicit CircuitBreaker(CircuitBreakerOptions options = {});

  // Whether a call may go to the network now. Once the cool-down has passed, the first caller
  // becomes the half-open probe; every other caller is refused until the probe reports back.
  bool allow(Clock::time_point now);

  // Outcomes of calls that allow() let through. Each returns true when it changed whether the
  // store is usable (the breaker opened, or closed again), which is when the store logs.
  bool record_success();
  bool record_failure(Clock::time_point now);

  // Whether allow(now) would let a call through, without taking the probe slot.
  bool would_allow(Clock::time_point now) const;

  State state() const { return state_; }
  std::chrono::milliseconds cooldown() const { return cooldown_; }
  std::uint32_t consecutive_failures() const { return consecutive_failures_; }

 private:
  void open(Clock::time_point now);

  CircuitBreakerOptions options_;
  State state_ = State::Closed;
  std::uint32_t consecutive_failures_ = 0;
  std::chrono::milliseconds cooldown_;
  Clock::time_point reopen_at_{};
  bool probe_in_flight_ = false;
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace sqlcache::cache
