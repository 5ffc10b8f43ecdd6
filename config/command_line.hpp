#pragma once
// The proxy's command line. Flags override the configuration file; without a file they
// override the defaults. Both "--flag value" and "--flag=value" work. Bad input is an error
// value naming the flag, never an exception.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "config/env_substitution.hpp"
#include "config/parse_result.hpp"

namespace sqlcache::config {

struct CommandLine {
  std::optional<std::string> config_file;  // --config FILE or --check-config FILE
  bool help = false;                       // --help, -h
  bool version = false;                    // --version
  bool check_config = false;               // --check-config FILE: validate, exit 0 or 1

  // Overrides; unset/empty: the file's value.
  std::vector<HostPort> listen;  // --listen (may repeat: one listener each)
  std::optional<HostPort> backend;
  std::optional<HostPort> admin;
  bool admin_off = false;  // --admin off
  std::optional<StoreUrl> store;
  std::optional<std::chrono::milliseconds> default_ttl;
  std::optional<unsigned> threads;
  std::optional<LogLevel> log_level;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  bool tls_require = false;
  std::optional<BackendTlsMode> backend_tls;
  std::optional<std::string> backend_ca;
  std::optional<std::string> store_ca;
};

// `args` excludes the program name.
ParseResult<CommandLine> parse_command_line(std::span<const std::string_view> args);
ParseResult<CommandLine> parse_command_line(int argc, const char* const* argv);

// Writes the flags into `config`. A flag that changes the store or turns backend TLS off also
// drops the file's settings that only made sense for the old value (Redis credentials and CA,
// backend CA and server name), unless a flag sets them too. Does not validate: see
// resolve_config.
void apply_overrides(Config& config, const CommandLine& command_line);

// The configuration the proxy runs with: the file (if any) with the flags applied, checked as a
// whole. Problems that only the flags cause are reported against "command line".
LoadResult resolve_config(const CommandLine& command_line,
                          const EnvLookup& env = process_environment());

// The text --help prints. It is built from the same table the parser uses.
std::string usage_text();

// Every flag, for tests and documentation: "--config", "--listen", ...
std::vector<std::string_view> flag_names();

}  // namespace sqlcache::config
