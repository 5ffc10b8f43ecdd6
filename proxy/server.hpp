#pragma once
// The whole proxy: worker threads, the control thread (signals, shutdown, reload, admin),
// and the configuration in force.
#include <memory>
#include <mutex>
#include <vector>

#include "config/command_line.hpp"
#include "config/config.hpp"
#include "proxy/asio.hpp"
#include "proxy/session_options.hpp"

namespace sqlcache::proxy {

class Worker;
class AdminServer;
struct CachePolicy;
struct TlsSettings;

class Server {
 public:
  // Binds every listen address; throws std::runtime_error with a clear message on failure.
  // `command_line`: how the proxy was started, to resolve the file and flags again on SIGHUP.
  explicit Server(config::Config config, config::CommandLine command_line = {});
  ~Server();

  // Runs until SIGTERM/SIGINT and the graceful drain; returns the process exit code.
  int run();

  std::shared_ptr<const config::Config> config() const;
  std::shared_ptr<const CachePolicy> policy() const;
  SessionOptions session_options() const;
  bool try_admit_connection();  // false above max_connections
  void release_connection();

  // Reads the config file again (SIGHUP); keeps the old one when the new one is invalid.
  bool reload();
  asio::io_context& control_context() { return control_; }
  const std::vector<std::unique_ptr<Worker>>& workers() const { return workers_; }
  // The worker with the fewest client connections; `preferred` when it is one of those.
  Worker& least_loaded_worker(Worker& preferred);

 private:
  void begin_shutdown();
  void wait_for_drain(std::chrono::steady_clock::time_point deadline);

  mutable std::mutex config_mutex_;
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const CachePolicy> policy_;
  std::shared_ptr<const TlsSettings> tls_;
  config::CommandLine command_line_;
  std::atomic<std::uint32_t> open_connections_{0};
  asio::io_context control_{1};
  // Registered before any port opens (see the constructor), so a SIGTERM that comes as soon as
  // the port accepts is queued for run() instead of killing the process.
  asio::signal_set signals_{control_};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminServer> admin_;
  bool shutting_down_ = false;
};

}  // namespace sqlcache::proxy
