// sqlcache: a transparent caching proxy for MySQL and MariaDB.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "config/config.hpp"
#include "config/host_port.hpp"
#include "proxy/log.hpp"
#include "proxy/server.hpp"
#include "proxy/version.hpp"

using namespace sqlcache;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  config::Config config;
  // Interim flag parsing; replaced by config/command_line.hpp.
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--listen") {
      config.listen = {config::parse_host_port(value).value()};
    } else if (flag == "--backend") {
      auto hp = config::parse_host_port(value).value();
      config.backend.host = hp.host;
      config.backend.port = hp.port;
    }
  }
  try {
    proxy::Server server(config);
    proxy::log_event(proxy::LogLevel::info, "proxy", "started", {{"version", proxy::version()}});
    return server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqlcache: %s\n", e.what());
    return 1;
  }
}
