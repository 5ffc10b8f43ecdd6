#pragma once
// The proxy binary as a child process of a test: started on a free loopback port, its output
// captured in a log file for failure messages, stopped with SIGTERM (SIGKILL if it lingers).
//
// Sanitizer builds: a report the proxy printed (a ThreadSanitizer data race, an AddressSanitizer
// error, a leak at exit, undefined behaviour) fails the running test when the ProxyProcess is
// destroyed, whatever the test itself checked; the report is in the failure message and the
// log file is kept. (The proxy runs in another process, so the test binary's own sanitizer
// never sees it.)
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sqlcache::testing {

// Worker threads of the proxies the tests start, unless a test needs one (coalescing works per
// thread). More than one, so that what the workers share is shared in the tests too.
inline constexpr int kTestProxyThreads = 2;

// A loopback TCP port nobody listens on right now (bound to port 0 and released). Another
// process may still take it before the caller does; good enough for tests run serially.
int free_loopback_port();

// Whether a TCP connection to 127.0.0.1:port is accepted (connected and closed at once).
bool loopback_port_accepts(int port);

// How a child process ended.
struct ProcessExit {
  int exit_code = -1;   // set when it exited
  int signal = 0;       // set when a signal ended it
  bool forced = false;  // stop() had to SIGKILL it after the grace period
  bool clean() const { return signal == 0 && exit_code == 0; }
  std::string describe() const;
};

class ProxyProcess {
 public:
  ProxyProcess() = default;
  ~ProxyProcess();
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  // Runs `binary --listen 127.0.0.1:<free port> args...` and waits until the port accepts
  // connections. Returns false (with the reason in start_error(), and the child's own words in
  // log()) when it cannot be started, exits, or does not accept within ready_timeout.
  bool start(const std::string& binary, const std::vector<std::string>& args,
             std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));

  // Sends SIGTERM and waits up to `grace` for the exit, then SIGKILLs. Returns how it ended,
  // or std::nullopt when nothing was running. Idempotent.
  std::optional<ProcessExit> stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Sends a signal (SIGTERM, SIGHUP, ...) without waiting. False when not running.
  bool signal(int signal_number);

  // Waits up to `timeout` for the child to exit on its own (after signal(), for instance).
  std::optional<ProcessExit> wait_for_exit(std::chrono::milliseconds timeout);

  bool running();
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& start_error() const { return start_error_; }

  // Everything the process printed on stdout and stderr so far.
  std::string log() const;
  const std::string& log_path() const { return log_path_; }
  // Leave the log file in /tmp after destruction (call when the test failed).
  void keep_log_file() { keep_log_ = true; }

  // The first sanitizer report in the log, from its first line on (bounded), or std::nullopt.
  std::optional<std::string> sanitizer_report() const;

 private:
  std::optional<ProcessExit> reap(bool block);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string start_error_;
  bool keep_log_ = false;
  std::optional<ProcessExit> exit_;
};

}  // namespace sqlcache::testing
