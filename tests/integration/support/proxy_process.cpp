#include "support/proxy_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

namespace sqlcache::testing {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback_address(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Runs in the forked child: only async-signal-safe calls until execvp.
[[noreturn]] void exec_child(int log_fd, const std::vector<char*>& argv) {
  // The proxy must not outlive a test binary that crashed or was killed.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  // The test process holds client sockets; an inherited copy would keep a connection open
  // after the test closed it, and hide exactly the disconnects the tests look for.
  close_range(3, ~0U, 0);
  execvp(argv[0], argv.data());
  const char* reason = strerror(errno);
  const char prefix[] = "exec failed: ";
  (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!write(STDERR_FILENO, reason, strlen(reason));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

// How each sanitizer runtime begins a report on stderr. ThreadSanitizer also says "FATAL:" when
// it cannot run at all (an unsupported memory layout, for instance): that must fail as well.
constexpr std::string_view kSanitizerMarkers[] = {
    "WARNING: ThreadSanitizer:", "FATAL: ThreadSanitizer", "ERROR: AddressSanitizer:",
    "ERROR: LeakSanitizer:",     ": runtime error: ",
};

// Enough for a data race with both stacks and the thread creation stacks.
constexpr std::size_t kMaxReportSize = 16 * 1024;
constexpr std::size_t kMaxLineSize = 300;

}  // namespace

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address = loopback_address(0);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool loopback_port_accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback_address(port);
  const bool accepted =
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return accepted;
}

std::string ProcessExit::describe() const {
  std::string text = signal != 0 ? "killed by signal " + std::to_string(signal)
                                 : "exited with code " + std::to_string(exit_code);
  if (forced) text += " (SIGKILL after the grace period)";
  return text;
}

ProxyProcess::~ProxyProcess() {
  stop();
  if (std::optional<std::string> report = sanitizer_report()) {
    keep_log_ = true;
    ADD_FAILURE() << "the proxy (pid " << pid_ << ") printed a sanitizer report; full log in "
                  << log_path_ << ":\n"
                  << *report;
  }
  if (!keep_log_ && !log_path_.empty()) unlink(log_path_.c_str());
}

bool ProxyProcess::start(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds ready_timeout) {
  if (pid_ > 0) {
    start_error_ = "already started";
    return false;
  }
  char log_template[] = "/tmp/sqlcache-proxy-XXXXXX.log";
  const int log_fd = mkstemps(log_template, 4);
  if (log_fd < 0) {
    start_error_ = std::string("cannot create a log file: ") + strerror(errno);
    return false;
  }
  log_path_ = log_template;
  port_ = free_loopback_port();
  if (port_ == 0) {
    ::close(log_fd);
    start_error_ = "no free loopback port";
    return false;
  }

  std::vector<std::string> words{binary, "--listen", "127.0.0.1:" + std::to_string(port_)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) exec_child(log_fd, argv);
  ::close(log_fd);
  if (pid < 0) {
    start_error_ = std::string("fork failed: ") + strerror(errno);
    return false;
  }
  pid_ = pid;

  const auto deadline = Clock::now() + ready_timeout;
  while (Clock::now() < deadline) {
    if (std::optional<ProcessExit> ended = reap(false)) {
      start_error_ = "exited during startup: " + ended->describe();
      return false;
    }
    if (loopback_port_accepts(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  start_error_ = "did not accept connections on port " + std::to_string(port_) + " within " +
                 std::to_string(ready_timeout.count()) + " ms";
  stop(std::chrono::milliseconds(500));
  return false;
}

std::optional<ProcessExit> ProxyProcess::reap(bool block) {
  if (exit_ || pid_ <= 0) return exit_;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result != pid_) return std::nullopt;
  ProcessExit ended;
  if (WIFEXITED(status)) ended.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) ended.signal = WTERMSIG(status);
  exit_ = ended;
  return exit_;
}

bool ProxyProcess::running() { return pid_ > 0 && !reap(false); }

bool ProxyProcess::signal(int signal_number) {
  if (!running()) return false;
  return kill(pid_, signal_number) == 0;
}

std::optional<ProcessExit> ProxyProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (std::optional<ProcessExit> ended = reap(false)) return ended;
    if (pid_ <= 0 || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<ProcessExit> ProxyProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  if (running()) kill(pid_, SIGTERM);
  if (std::optional<ProcessExit> ended = wait_for_exit(grace)) return ended;
  kill(pid_, SIGKILL);
  std::optional<ProcessExit> ended = reap(true);
  if (ended) exit_->forced = true;
  return exit_;
}

std::optional<std::string> ProxyProcess::sanitizer_report() const {
  const std::string text = log();
  std::size_t first = std::string::npos;
  for (std::string_view marker : kSanitizerMarkers) first = std::min(first, text.find(marker));
  if (first == std::string::npos) return std::nullopt;
  const std::size_t line_start = text.rfind('\n', first);
  std::istringstream lines(text.substr(line_start == std::string::npos ? 0 : line_start + 1));
  // Stack frames of Asio code spell out executor types over kilobytes per line: the function,
  // file and line fit in the first few hundred characters (the log file keeps the rest).
  std::string report;
  std::string line;
  while (report.size() < kMaxReportSize && std::getline(lines, line)) {
    if (line.size() > kMaxLineSize) line = line.substr(0, kMaxLineSize) + " [...]";
    report += line + '\n';
  }
  return report;
}

std::string ProxyProcess::log() const {
  if (log_path_.empty()) return {};
  std::ifstream file(log_path_, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace sqlcache::testing
