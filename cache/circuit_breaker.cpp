#include "cache/circuit_breaker.hpp"

#include <algorithm>

namespace sqlcache::cache {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options)
    : options_(options), cooldown_(options.initial_cooldown) {
  if (options_.failure_threshold == 0) options_.failure_threshold = 1;
}

bool CircuitBreaker::allow(Clock::time_point now) {
  switch (state_) {
    case State::Closed:
      return true;
    case State::Open:
      if (now < reopen_at_) return false;
      state_ = State::HalfOpen;
      probe_in_flight_ = true;
      return true;
    case State::HalfOpen:
      // A probe that never reported back would wedge the breaker; the stores give every call a
      // timeout, so this only refuses callers while the one probe is on the wire.
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

bool CircuitBreaker::would_allow(Clock::time_point now) const {
  switch (state_) {
    case State::Closed:
      return true;
    case State::Open:
      return now >= reopen_at_;
    case State::HalfOpen:
      return !probe_in_flight_;
  }
  return false;
}

bool CircuitBreaker::record_success() {
  // Any answer from the server proves it is reachable, including a call that was already in
  // flight when the breaker opened.
  const bool was_down = state_ != State::Closed;
  state_ = State::Closed;
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
  cooldown_ = options_.initial_cooldown;
  return was_down;
}

bool CircuitBreaker::record_failure(Clock::time_point now) {
  switch (state_) {
    case State::Closed:
      ++consecutive_failures_;
      if (consecutive_failures_ < options_.failure_threshold) return false;
      open(now);
      return true;
    case State::Open:
      // A call that was in flight when the breaker opened: it tells nothing new.
      return false;
    case State::HalfOpen:
      // The probe failed: stay down, and wait longer before the next probe.
      cooldown_ = std::min(cooldown_ * 2, options_.max_cooldown);
      open(now);
      return false;
  }
  return false;
}

void CircuitBreaker::open(Clock::time_point now) {
  state_ = State::Open;
  probe_in_flight_ = false;
  reopen_at_ = now + cooldown_;
}

std::string_view to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::Closed:
      return "closed";
    case CircuitBreaker::State::Open:
      return "open";
    case CircuitBreaker::State::HalfOpen:
      return "half-open";
  }
  return "unknown";
}

}  // namespace sqlcache::cache
