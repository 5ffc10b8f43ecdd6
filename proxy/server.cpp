#include "proxy/server.hpp"

#include <csignal>
#include <stdexcept>
#include <thread>

#include "config/config_loader.hpp"
#include "config/reload.hpp"
#include "proxy/admin_server.hpp"
#include "proxy/cache_policy.hpp"
#include "proxy/log.hpp"
#include "proxy/query_cache.hpp"
#include "proxy/tls_settings.hpp"
#include "proxy/worker.hpp"

namespace sqlcache::proxy {

namespace {

std::vector<tcp::endpoint> resolve_listen(const std::vector<config::HostPort>& addresses) {
  std::vector<tcp::endpoint> endpoints;
  asio::io_context io;
  tcp::resolver resolver(io);
  for (const auto& address : addresses) {
    boost::system::error_code ec;
    auto results =
        resolver.resolve(address.host, std::to_string(address.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      throw std::runtime_error("cannot resolve listen address " + address.host + ":" +
                               std::to_string(address.port) + ": " + ec.message());
    }
    endpoints.push_back(results.begin()->endpoint());
  }
  return endpoints;
}

}  // namespace

Server::Server(config::Config config, config::CommandLine command_line)
    : config_(std::make_shared<const config::Config>(std::move(config))),
      tls_(make_tls_settings(*config_)),
      command_line_(std::move(command_line)) {
  // Before the ports open: from then on a supervisor may signal us. Asio queues a signal that
  // arrives before run() waits for it.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  unsigned threads = config_->threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  auto endpoints = resolve_listen(config_->listen);
  for (unsigned i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>(*this, i);
    try {
      worker->listen(endpoints);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot listen on the configured address: " +
                               std::string(e.code().message()));
    }
    workers_.push_back(std::move(worker));
  }
  if (config_->admin.listen) {
    auto admin_endpoints = resolve_listen({*config_->admin.listen});
    admin_ = std::make_unique<AdminServer>(*this, control_, admin_endpoints.front());
  }
  policy_ = CachePolicy::from(*config_);
  auto caches = make_query_caches(*config_, policy_, workers_, control_.get_executor());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->set_query_cache(std::move(caches[i]));
  }
}

Server::~Server() {
  for (auto& worker : workers_) worker->join();
}

std::shared_ptr<const config::Config> Server::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

std::shared_ptr<const CachePolicy> Server::policy() const {
  std::lock_guard lock(config_mutex_);
  return policy_;
}

SessionOptions Server::session_options() const {
  auto config = this->config();
  SessionOptions options;
  options.backend.host = config->backend.host;
  options.backend.port = config->backend.port;
  options.connect_timeout = config->backend.connect_timeout;
  options.handshake_timeout = config->handshake_timeout;
  options.idle_timeout = config->idle_timeout;
  options.max_packet_size = config->max_packet_size;
  options.slow_query = config->log.slow_query;
  options.tls = tls_;  // TLS settings change only with a restart (config/reload.cpp)
  return options;
}

bool Server::try_admit_connection() {
  std::uint32_t limit = config()->max_connections;
  std::uint32_t open = open_connections_.fetch_add(1) + 1;
  if (limit != 0 && open > limit) {
    open_connections_.fetch_sub(1);
    return false;
  }
  return true;
}

void Server::release_connection() { open_connections_.fetch_sub(1); }

Worker& Server::least_loaded_worker(Worker& preferred) {
  Worker* best = &preferred;
  std::size_t fewest = preferred.connection_count();
  for (const auto& worker : workers_) {
    const std::size_t count = worker->connection_count();
    if (count < fewest) {
      best = worker.get();
      fewest = count;
    }
  }
  return *best;
}

bool Server::reload() {
  if (!command_line_.config_file) {
    log_event(LogLevel::warn, "config", "reload_skipped", {{"reason", "no config file"}});
    return false;
  }
  // The file with the same flags on top, checked as a whole, as at startup.
  auto loaded = config::resolve_config(command_line_);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) {
      log_event(LogLevel::error, "config", "reload_rejected", {{"error", error.to_string()}});
    }
    return false;
  }
  auto running = config();
  config::ReloadPlan plan = config::plan_reload(*running, *loaded.config);
  for (const auto& key : plan.needs_restart) {
    log_event(LogLevel::warn, "config", "reload_needs_restart", {{"key", key}});
  }
  auto next =
      std::make_shared<const config::Config>(config::apply_reload(*running, *loaded.config));
  std::shared_ptr<const CachePolicy> policy = CachePolicy::from(*next);
  {
    std::lock_guard lock(config_mutex_);
    config_ = next;
    policy_ = policy;
  }
  if (plan.log_changed) set_log_options(next->log.level, next->log.format);
  for (auto& worker : workers_) {
    asio::post(worker->context(), [w = worker.get(), policy] {
      if (QueryCache* cache = w->query_cache()) cache->apply_policy(policy);
    });
  }
  log_event(LogLevel::info, "config", "reloaded",
            {{"file", *command_line_.config_file},
             {"rules", std::to_string(next->cache.tables.size())},
             {"needs_restart", std::to_string(plan.needs_restart.size())}});
  return true;
}

void Server::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  auto grace = config()->shutdown_grace;
  log_event(LogLevel::info, "proxy", "shutdown_started",
            {{"grace_ms", std::to_string(grace.count())}});
  if (admin_) admin_->stop();
  for (auto& worker : workers_) {
    asio::post(worker->context(), [w = worker.get()] {
      w->stop_accepting();
      w->shutdown_sessions();
    });
  }
  wait_for_drain(std::chrono::steady_clock::now() + grace);
}

void Server::wait_for_drain(std::chrono::steady_clock::time_point deadline) {
  std::size_t open = 0;
  for (auto& worker : workers_) open += worker->connection_count();
  if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (open > 0) {
      log_event(LogLevel::warn, "proxy", "shutdown_forced", {{"sessions", std::to_string(open)}});
    }
    control_.stop();
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(control_, std::chrono::milliseconds(20));
  timer->async_wait(
      [this, timer, deadline](boost::system::error_code) { wait_for_drain(deadline); });
}

int Server::run() {
  for (auto& worker : workers_) worker->start_thread();
  if (admin_) admin_->start();
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload();
      signals_.async_wait(on_signal);
      return;
    }
    begin_shutdown();
  };
  signals_.async_wait(on_signal);
  control_.run();
  for (auto& worker : workers_) worker->join();
  log_event(LogLevel::info, "proxy", "stopped", {});
  return 0;
}

}  // namespace sqlcache::proxy
