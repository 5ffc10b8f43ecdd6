// sqlcache: a transparent caching proxy for MySQL and MariaDB.
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <hiredis/hiredis.h>
#include <openssl/opensslv.h>
#include <sys/resource.h>

#include "config/command_line.hpp"
#include "config/config.hpp"
#include "proxy/log.hpp"
#include "proxy/server.hpp"
#include "proxy/tls_settings.hpp"
#include "proxy/version.hpp"

using namespace sqlcache;

namespace {

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
}

void log_startup(const config::Config& config, const std::string& config_file) {
  std::string listen;
  for (const auto& address : config.listen) {
    if (!listen.empty()) listen += ',';
    listen += address.to_string();
  }
  std::string threads = std::to_string(config.threads);
  std::string rules = std::to_string(config.cache.tables.size());
  std::string ttl = std::to_string(config.cache.default_ttl.count()) + "ms";
  proxy::log_event(proxy::LogLevel::info, "proxy", "started",
                   {{"version", proxy::version()},
                    {"config", config_file.empty() ? "(flags only)" : config_file},
                    {"listen", listen},
                    {"backend", config.backend.address().to_string()},
                    {"store", config.cache.store.to_string()},
                    {"default_ttl", ttl},
                    {"rules", rules},
                    {"threads", config.threads == 0 ? "auto" : threads},
                    {"openssl", OPENSSL_VERSION_TEXT}});
}

// Every client connection holds two descriptors: its socket and its backend connection's.
// The soft limit on open files is often 1024, which a few hundred clients (or a slowloris
// attack) exhaust: accept then fails for everyone. Raise it to the hard limit, and say so when
// even that cannot hold max_connections.
void raise_open_file_limit(const config::Config& config) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const rlim_t needed = 2 * static_cast<rlim_t>(config.max_connections) + 64;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    proxy::log_event(proxy::LogLevel::warn, "proxy", "open_file_limit_low",
                     {{"limit", std::to_string(limit.rlim_cur)},
                      {"needed", std::to_string(needed)},
                      {"max_connections", std::to_string(config.max_connections)},
                      {"fix", "raise LimitNOFILE / ulimit -n, or lower max_connections"}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto command_line = config::parse_command_line(argc, argv);
  if (!command_line) {
    std::fprintf(stderr, "sqlcache: %s\nTry 'sqlcache --help'.\n", command_line.error().c_str());
    return 2;
  }
  if (command_line->help) {
    std::fputs(config::usage_text().c_str(), stdout);
    return 0;
  }
  if (command_line->version) {
    std::printf("sqlcache %s (hiredis %d.%d.%d, %s)\n", std::string(proxy::version()).c_str(),
                HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH, OPENSSL_VERSION_TEXT);
    return 0;
  }
  config::LoadResult loaded = config::resolve_config(*command_line);
  if (!loaded.ok()) {
    print_errors(loaded.errors);
    return 1;
  }
  if (command_line->check_config) {
    try {
      proxy::make_tls_settings(*loaded.config);  // loads the certificate and CA files
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", command_line->config_file->c_str(), e.what());
      return 1;
    }
    std::printf("%s: configuration is valid\n", command_line->config_file->c_str());
    return 0;
  }
  const config::Config& config = *loaded.config;
  proxy::set_log_options(config.log.level, config.log.format);
  raise_open_file_limit(config);
  try {
    proxy::Server server(config, *command_line);
    log_startup(config, command_line->config_file.value_or(""));
    return server.run();
  } catch (const std::exception& e) {
    proxy::log_event(proxy::LogLevel::error, "proxy", "startup_failed", {{"error", e.what()}});
    return 1;
  }
}
