#include "config/command_line.hpp"

#include <array>

#include "config/decimal.hpp"
#include "config/duration.hpp"

namespace sqlcache::config {
namespace {

enum class Flag {
  config,
  check_config,
  listen,
  backend,
  admin,
  store,
  default_ttl,
  threads,
  log_level,
  tls_cert,
  tls_key,
  tls_require,
  backend_tls,
  backend_ca,
  store_ca,
  help,
  version,
};

struct FlagSpec {
  Flag flag;
  std::string_view name;
  std::string_view value_name;  // empty: the flag takes no value
  std::string_view help;
};

constexpr unsigned kMaxThreads = 1024;

// The parser and --help both read this table, so the help cannot drift from what is accepted.
constexpr std::array<FlagSpec, 17> kFlags{{
    {Flag::config, "--config", "FILE", "Read the configuration from FILE (YAML)."},
    {Flag::check_config, "--check-config", "FILE",
     "Validate FILE together with the other flags, print every problem as file:line:column: "
     "message, and exit with 0 if it is valid, 1 if not."},
    {Flag::listen, "--listen", "HOST:PORT",
     "Accept clients on HOST:PORT; repeat for several addresses, port 0 picks a free port. "
     "Replaces listen."},
    {Flag::backend, "--backend", "HOST:PORT",
     "Forward to the MySQL or MariaDB server at HOST:PORT. Replaces backend.host and "
     "backend.port."},
    {Flag::admin, "--admin", "HOST:PORT|off",
     "Serve the admin and metrics HTTP endpoint on HOST:PORT, or not at all. Replaces "
     "admin.listen."},
    {Flag::store, "--store", "URL",
     "Where cached results live: memory, none, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or "
     "rediss://... Replaces cache.store."},
    {Flag::default_ttl, "--default-ttl", "DURATION",
     "TTL for tables without a rule, such as 60s or 10m; 0 caches only tables with a rule. "
     "Replaces cache.default_ttl."},
    {Flag::threads, "--threads", "N", "Worker threads; 0 means one per core. Replaces threads."},
    {Flag::log_level, "--log-level", "LEVEL",
     "trace, debug, info, warn, error or off. Replaces log.level."},
    {Flag::tls_cert, "--tls-cert", "FILE",
     "Certificate chain (PEM) for TLS with clients. Replaces client_tls.cert."},
    {Flag::tls_key, "--tls-key", "FILE",
     "Private key (PEM) for TLS with clients. Replaces client_tls.key."},
    {Flag::tls_require, "--tls-require", "",
     "Refuse clients that do not switch to TLS. Sets client_tls.require."},
    {Flag::backend_tls, "--backend-tls", "MODE",
     "TLS to the backend: disabled, preferred, required, verify_ca or verify_identity. "
     "Replaces backend.tls.mode."},
    {Flag::backend_ca, "--backend-ca", "FILE",
     "CA certificates (PEM) to verify the backend with. Replaces backend.tls.ca."},
    {Flag::store_ca, "--store-ca", "FILE",
     "CA certificates (PEM) to verify a rediss:// store with. Replaces cache.ca."},
    {Flag::help, "--help", "", "Print this text and exit (also -h)."},
    {Flag::version, "--version", "", "Print the version and exit."},
}};

const FlagSpec* find_flag(std::string_view name) {
  for (const FlagSpec& spec : kFlags) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

ParseError flag_error(const FlagSpec& spec, std::string_view why) {
  return ParseError{std::string(spec.name) + ": " + std::string(why)};
}

// Sets `slot` once; a second occurrence of the flag is an error rather than a silent override.
template <typename T>
std::optional<ParseError> set_once(std::optional<T>& slot, T value, const FlagSpec& spec) {
  if (slot) return flag_error(spec, "given more than once");
  slot = std::move(value);
  return std::nullopt;
}

std::optional<ParseError> apply_flag(CommandLine& out, const FlagSpec& spec,
                                     std::string_view value) {
  switch (spec.flag) {
    case Flag::config:
    case Flag::check_config: {
      if (out.config_file) {
        return flag_error(spec,
                          "the configuration file is already given; use either --config or "
                          "--check-config, once");
      }
      if (value.empty()) return flag_error(spec, "needs a file name");
      out.config_file = std::string(value);
      out.check_config = spec.flag == Flag::check_config;
      return std::nullopt;
    }
    case Flag::listen: {
      auto address = parse_host_port(value, PortZero::allow);
      if (!address) return flag_error(spec, "not a valid HOST:PORT: " + address.error());
      out.listen.push_back(std::move(address).value());
      return std::nullopt;
    }
    case Flag::backend: {
      auto address = parse_host_port(value, PortZero::reject);
      if (!address) return flag_error(spec, "not a valid HOST:PORT: " + address.error());
      return set_once(out.backend, std::move(address).value(), spec);
    }
    case Flag::admin: {
      if (out.admin || out.admin_off) return flag_error(spec, "given more than once");
      if (value == "off") {
        out.admin_off = true;
        return std::nullopt;
      }
      auto address = parse_host_port(value, PortZero::allow);
      if (!address) return flag_error(spec, "not a valid HOST:PORT or 'off': " + address.error());
      out.admin = std::move(address).value();
      return std::nullopt;
    }
    case Flag::store: {
      auto url = parse_store_url(value);  // its messages never repeat the URL (passwords)
      if (!url) return flag_error(spec, url.error());
      return set_once(out.store, std::move(url).value(), spec);
    }
    case Flag::default_ttl: {
      auto ttl = parse_duration(value);
      if (!ttl) return flag_error(spec, "expected a duration like 30s, 500ms or 1h30m");
      return set_once(out.default_ttl, *ttl, spec);
    }
    case Flag::threads: {
      auto threads = parse_decimal(value);
      if (!threads || *threads > kMaxThreads) {
        return flag_error(spec, "expected a whole number from 0 to 1024");
      }
      return set_once(out.threads, static_cast<unsigned>(*threads), spec);
    }
    case Flag::log_level: {
      auto level = parse_log_level(value);
      if (!level) return flag_error(spec, "expected one of trace, debug, info, warn, error, off");
      return set_once(out.log_level, *level, spec);
    }
    case Flag::backend_tls: {
      auto mode = parse_backend_tls_mode(value);
      if (!mode) {
        return flag_error(spec,
                          "expected one of disabled, preferred, required, verify_ca, "
                          "verify_identity");
      }
      return set_once(out.backend_tls, *mode, spec);
    }
    case Flag::tls_cert:
      return set_once(out.tls_cert, std::string(value), spec);
    case Flag::tls_key:
      return set_once(out.tls_key, std::string(value), spec);
    case Flag::backend_ca:
      return set_once(out.backend_ca, std::string(value), spec);
    case Flag::store_ca:
      return set_once(out.store_ca, std::string(value), spec);
    case Flag::tls_require:
      out.tls_require = true;
      return std::nullopt;
    case Flag::help:
      out.help = true;
      return std::nullopt;
    case Flag::version:
      out.version = true;
      return std::nullopt;
  }
  return std::nullopt;
}

// Breaks `text` into lines of at most `width` characters, each after `indent` spaces.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t line_length = 0;
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (line_length > 0 && line_length + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      line_length = 0;
    } else if (line_length > 0) {
      out += ' ';
      ++line_length;
    }
    out += word;
    line_length += word.size();
  }
  return out;
}

}  // namespace

ParseResult<CommandLine> parse_command_line(std::span<const std::string_view> args) {
  CommandLine out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with("--")) {
      return ParseError{"unexpected argument '" + std::string(arg) +
                        "' (options start with --; see --help)"};
    }
    std::size_t equals = arg.find('=');
    std::string_view name = arg.substr(0, equals);
    const FlagSpec* spec = find_flag(name);
    if (spec == nullptr) {
      return ParseError{"unknown option '" + std::string(name) + "' (see --help)"};
    }

    std::string_view value;
    if (spec->value_name.empty()) {
      if (equals != std::string_view::npos) return flag_error(*spec, "takes no value");
    } else if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
      value = args[++i];
    } else {
      return flag_error(*spec, "needs a value: " + std::string(spec->value_name));
    }
    if (auto error = apply_flag(out, *spec, value)) return *error;
  }
  return out;
}

ParseResult<CommandLine> parse_command_line(int argc, const char* const* argv) {
  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_command_line(std::span<const std::string_view>(args));
}

void apply_overrides(Config& config, const CommandLine& flags) {
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (flags.backend) {
    config.backend.host = flags.backend->host;
    config.backend.port = flags.backend->port;
  }
  if (flags.admin) config.admin.listen = flags.admin;
  if (flags.admin_off) config.admin.listen.reset();

  if (flags.store) {
    CacheConfig& cache = config.cache;
    cache.store = *flags.store;
    // The file's credentials and CA were meant for its own store.
    if (!cache.store.is_redis()) {
      cache.username.reset();
      cache.password.reset();
      cache.near_cache_limit = 0;
    }
    if (!cache.store.uses_tls()) cache.ca.clear();
  }
  if (flags.store_ca) config.cache.ca = *flags.store_ca;
  if (flags.default_ttl) config.cache.default_ttl = *flags.default_ttl;
  if (flags.threads) config.threads = *flags.threads;
  if (flags.log_level) config.log.level = *flags.log_level;

  if (flags.tls_cert) config.client_tls.cert = *flags.tls_cert;
  if (flags.tls_key) config.client_tls.key = *flags.tls_key;
  if (flags.tls_require) config.client_tls.require = true;

  if (flags.backend_tls) {
    BackendTls& tls = config.backend.tls;
    tls.mode = *flags.backend_tls;
    if (tls.mode == BackendTlsMode::disabled) {
      tls.ca.clear();
      tls.server_name.clear();
    }
  }
  if (flags.backend_ca) config.backend.tls.ca = *flags.backend_ca;
}

LoadResult resolve_config(const CommandLine& command_line, const EnvLookup& env) {
  auto adjust = [&](Config& config) { apply_overrides(config, command_line); };
  if (command_line.config_file) return load_config_file(*command_line.config_file, env, adjust);

  Config config;
  adjust(config);
  LoadResult result;
  for (const ConsistencyProblem& problem : check_consistency(config)) {
    result.errors.push_back(ConfigError{"command line", 0, 0, problem.message});
  }
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

std::string usage_text() {
  constexpr std::size_t kColumn = 30;
  constexpr std::size_t kWidth = 100;
  std::string out =
      "Usage: sqlcache [--config FILE] [OPTIONS]\n"
      "       sqlcache --check-config FILE [OPTIONS]\n"
      "\n"
      "A caching proxy for MySQL and MariaDB: clients connect to it instead of the database.\n"
      "Options override the configuration file; without a file they override the defaults.\n"
      "Values go after a space or '=': --listen 0.0.0.0:3307 or --listen=0.0.0.0:3307.\n"
      "\n"
      "Options:\n";
  for (const FlagSpec& spec : kFlags) {
    // Appended piece by piece: g++ 12 warns (-Wrestrict) on "literal" + std::string here.
    std::string left = "  ";
    left += spec.name;
    if (!spec.value_name.empty()) {
      left += ' ';
      left += spec.value_name;
    }
    if (left.size() + 1 > kColumn) {
      out += left + "\n" + std::string(kColumn, ' ');
    } else {
      out += left + std::string(kColumn - left.size(), ' ');
    }
    out += wrap(spec.help, kColumn, kWidth - kColumn) + "\n";
  }
  out +=
      "\n"
      "Durations: 500ms, 30s, 10m, 1h, 1d or 1h30m; a plain number is seconds.\n"
      "Configuration values may use ${VAR} and ${VAR:-default} for environment variables.\n"
      "Every key of the configuration file is described in docs/configuration.md.\n";
  return out;
}

std::vector<std::string_view> flag_names() {
  std::vector<std::string_view> names;
  for (const FlagSpec& spec : kFlags) names.push_back(spec.name);
  return names;
}

}  // namespace sqlcache::config
