#pragma once
// Polling for effects that happen asynchronously in another process (a backend connection
// closing after the client left, a listener closing after SIGTERM). Bounded, so a missing
// effect fails the test instead of hanging it.
#include <chrono>
#include <thread>

namespace sqlcache::testing {

// Calls `condition` every `poll` until it returns true (returns true) or `timeout` has passed
// (returns false after one last try).
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace sqlcache::testing
