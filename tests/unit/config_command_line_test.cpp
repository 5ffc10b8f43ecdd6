#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "config/command_line.hpp"

namespace sqlcache::config {
namespace {

using namespace std::chrono_literals;

const std::string kDataDir = std::string(SQLCACHE_TEST_DATA_DIR) + "/config/";

ParseResult<CommandLine> parse(std::vector<std::string_view> args) {
  return parse_command_line(std::span<const std::string_view>(args));
}

CommandLine parsed(std::vector<std::string_view> args) {
  auto result = parse(args);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  return result.ok() ? *result : CommandLine{};
}

std::string error_of(std::vector<std::string_view> args) {
  auto result = parse(args);
  EXPECT_FALSE(result.ok());
  return result.ok() ? "<no error>" : result.error();
}

EnvLookup no_env() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

TEST(CommandLine, NothingGivenMeansDefaults) {
  CommandLine flags = parsed({});
  EXPECT_FALSE(flags.config_file.has_value());
  EXPECT_FALSE(flags.help);
  EXPECT_FALSE(flags.version);
  EXPECT_FALSE(flags.check_config);
  Config config;
  apply_overrides(config, flags);
  EXPECT_EQ(config, Config{});
}

TEST(CommandLine, ValueAfterASpaceOrAnEqualsSign) {
  EXPECT_EQ(parsed({"--config", "/etc/sqlcache.yaml"}).config_file, "/etc/sqlcache.yaml");
  EXPECT_EQ(parsed({"--config=/etc/sqlcache.yaml"}).config_file, "/etc/sqlcache.yaml");
  EXPECT_EQ(parsed({"--threads=4"}).threads, 4u);
  EXPECT_EQ(parsed({"--threads", "4"}).threads, 4u);
}

TEST(CommandLine, EqualsSignKeepsTheRestOfTheValue) {
  EXPECT_EQ(parsed({"--tls-key=/keys/a=b.pem"}).tls_key, "/keys/a=b.pem");
}

TEST(CommandLine, ReadsEveryFlag) {
  CommandLine flags = parsed({"--config",      "c.yaml",
                              "--listen",      "0.0.0.0:3307",
                              "--listen",      "[::]:3307",
                              "--backend",     "db:3306",
                              "--admin",       "127.0.0.1:9107",
                              "--store",       "redis://cache:6379/1",
                              "--default-ttl", "5m",
                              "--threads",     "8",
                              "--log-level",   "warn",
                              "--tls-cert",    "c.pem",
                              "--tls-key",     "k.pem",
                              "--tls-require", "--backend-tls",
                              "verify_ca",     "--backend-ca",
                              "ca.pem",        "--store-ca",
                              "sca.pem",       "--help",
                              "--version"});
  EXPECT_EQ(flags.config_file, "c.yaml");
  EXPECT_FALSE(flags.check_config);
  EXPECT_EQ(flags.listen, (std::vector<HostPort>{{"0.0.0.0", 3307}, {"::", 3307}}));
  EXPECT_EQ(flags.backend, (HostPort{"db", 3306}));
  EXPECT_EQ(flags.admin, (HostPort{"127.0.0.1", 9107}));
  ASSERT_TRUE(flags.store.has_value());
  EXPECT_EQ(flags.store->db, 1u);
  EXPECT_EQ(flags.default_ttl, 5min);
  EXPECT_EQ(flags.threads, 8u);
  EXPECT_EQ(flags.log_level, LogLevel::warn);
  EXPECT_EQ(flags.tls_cert, "c.pem");
  EXPECT_EQ(flags.tls_key, "k.pem");
  EXPECT_TRUE(flags.tls_require);
  EXPECT_EQ(flags.backend_tls, BackendTlsMode::verify_ca);
  EXPECT_EQ(flags.backend_ca, "ca.pem");
  EXPECT_EQ(flags.store_ca, "sca.pem");
  EXPECT_TRUE(flags.help);
  EXPECT_TRUE(flags.version);
}

TEST(CommandLine, ShortHelp) { EXPECT_TRUE(parsed({"-h"}).help); }

TEST(CommandLine, CheckConfigNamesTheFileAndAsksForValidation) {
  CommandLine flags = parsed({"--check-config", "/etc/sqlcache.yaml"});
  EXPECT_TRUE(flags.check_config);
  EXPECT_EQ(flags.config_file, "/etc/sqlcache.yaml");
}

TEST(CommandLine, AdminOffTurnsTheEndpointOff) {
  CommandLine flags = parsed({"--admin", "off"});
  EXPECT_TRUE(flags.admin_off);
  Config config;
  config.admin.listen = HostPort{"127.0.0.1", 9107};
  apply_overrides(config, flags);
  EXPECT_FALSE(config.admin.listen.has_value());
}

TEST(CommandLine, ArgvEntryPointSkipsTheProgramName) {
  const char* argv[] = {"sqlcache", "--threads", "3"};
  auto flags = parse_command_line(3, argv);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->threads, 3u);
}

TEST(CommandLine, ErrorsNameTheFlag) {
  EXPECT_EQ(error_of({"--listen", "localhost"}),
            "--listen: not a valid HOST:PORT: missing port: expected HOST:PORT such as "
            "127.0.0.1:3307");
  EXPECT_EQ(error_of({"--backend=db:0"}),
            "--backend: not a valid HOST:PORT: port 0 is not allowed here (use 1-65535)");
  EXPECT_EQ(error_of({"--admin", "nowhere"}),
            "--admin: not a valid HOST:PORT or 'off': missing port: expected HOST:PORT such as "
            "127.0.0.1:3307");
  EXPECT_EQ(error_of({"--default-ttl", "forever"}),
            "--default-ttl: expected a duration like 30s, 500ms or 1h30m");
  EXPECT_EQ(error_of({"--threads", "-1"}), "--threads: expected a whole number from 0 to 1024");
  EXPECT_EQ(error_of({"--threads", "2000"}), "--threads: expected a whole number from 0 to 1024");
  EXPECT_EQ(error_of({"--log-level", "loud"}),
            "--log-level: expected one of trace, debug, info, warn, error, off");
  EXPECT_EQ(error_of({"--backend-tls", "on"}),
            "--backend-tls: expected one of disabled, preferred, required, verify_ca, "
            "verify_identity");
  EXPECT_EQ(error_of({"--store", "memcached://x"}),
            "--store: expected none, memory, redis://[USER:PASSWORD@]HOST[:PORT][/DB] or "
            "rediss://...");
}

TEST(CommandLine, StoreErrorsNeverShowThePassword) {
  std::string error = error_of({"--store", "redis://u:hunter2@cache:99999"});
  EXPECT_EQ(error, "--store: in the store URL: the port is out of range 1-65535");
}

TEST(CommandLine, MissingValues) {
  EXPECT_EQ(error_of({"--config"}), "--config: needs a value: FILE");
  EXPECT_EQ(error_of({"--listen", "--threads", "2"}), "--listen: needs a value: HOST:PORT");
  EXPECT_EQ(error_of({"--config="}), "--config: needs a file name");
}

TEST(CommandLine, SwitchesTakeNoValue) {
  EXPECT_EQ(error_of({"--tls-require=true"}), "--tls-require: takes no value");
  EXPECT_EQ(error_of({"--help=1"}), "--help: takes no value");
}

TEST(CommandLine, UnknownOptionsAndStrayArguments) {
  EXPECT_EQ(error_of({"--port", "3307"}), "unknown option '--port' (see --help)");
  EXPECT_EQ(error_of({"--listen-on=1"}), "unknown option '--listen-on' (see --help)");
  EXPECT_EQ(error_of({"sqlcache.yaml"}),
            "unexpected argument 'sqlcache.yaml' (options start with --; see --help)");
  EXPECT_EQ(error_of({"-c", "x"}), "unexpected argument '-c' (options start with --; see --help)");
}

TEST(CommandLine, RepeatedFlagsAreErrorsExceptListen) {
  EXPECT_EQ(error_of({"--threads", "1", "--threads", "2"}), "--threads: given more than once");
  EXPECT_EQ(error_of({"--admin", "off", "--admin", "h:1"}), "--admin: given more than once");
  EXPECT_EQ(error_of({"--config", "a", "--check-config", "b"}),
            "--check-config: the configuration file is already given; use either --config or "
            "--check-config, once");
  EXPECT_EQ(parsed({"--listen", "a:1", "--listen", "b:2"}).listen.size(), 2u);
}

TEST(CommandLine, FlagsOverrideTheFile) {
  Config config;
  config.listen = {HostPort{"10.0.0.1", 1}};
  config.cache.default_ttl = 1s;
  apply_overrides(config, parsed({"--listen",      "0.0.0.0:3307",
                                  "--backend",     "db:3307",
                                  "--default-ttl", "0",
                                  "--threads",     "2",
                                  "--log-level",   "error",
                                  "--tls-cert",    "c",
                                  "--tls-key",     "k",
                                  "--tls-require", "--backend-tls",
                                  "required",      "--backend-ca",
                                  "ca.pem",        "--admin",
                                  "[::1]:9000"}));
  EXPECT_EQ(config.listen, (std::vector<HostPort>{{"0.0.0.0", 3307}}));
  EXPECT_EQ(config.backend.address(), (HostPort{"db", 3307}));
  EXPECT_EQ(config.cache.default_ttl, 0ms);
  EXPECT_EQ(config.threads, 2u);
  EXPECT_EQ(config.log.level, LogLevel::error);
  EXPECT_EQ(config.client_tls, (ClientTls{"c", "k", true}));
  EXPECT_EQ(config.backend.tls.mode, BackendTlsMode::required);
  EXPECT_EQ(config.backend.tls.ca, "ca.pem");
  EXPECT_EQ(config.admin.listen, (HostPort{"::1", 9000}));
}

TEST(CommandLine, NewStoreDropsSettingsMeantForTheOldOne) {
  Config config;
  config.cache.store = *parse_store_url("rediss://cache");
  config.cache.username = "acl";
  config.cache.password = "pw";
  config.cache.ca = "/ca.pem";
  apply_overrides(config, parsed({"--store", "memory"}));
  EXPECT_EQ(config.cache.store.scheme, StoreScheme::memory);
  EXPECT_FALSE(config.cache.username.has_value());
  EXPECT_FALSE(config.cache.password.has_value());
  EXPECT_EQ(config.cache.ca, "");
  EXPECT_TRUE(check_consistency(config).empty());
}

TEST(CommandLine, NewRedisStoreKeepsTheFileCredentials) {
  Config config;
  config.cache.store = *parse_store_url("redis://old");
  config.cache.password = "pw";
  apply_overrides(config, parsed({"--store", "rediss://new", "--store-ca", "/new-ca.pem"}));
  EXPECT_EQ(config.cache.store.host, "new");
  EXPECT_EQ(config.cache.redis_password(), "pw");
  EXPECT_EQ(config.cache.ca, "/new-ca.pem");
}

TEST(CommandLine, BackendTlsDisabledDropsTheFileCa) {
  Config config;
  config.backend.tls = BackendTls{BackendTlsMode::verify_ca, "/ca.pem", "db"};
  apply_overrides(config, parsed({"--backend-tls", "disabled"}));
  EXPECT_EQ(config.backend.tls, BackendTls{});
}

TEST(ResolveConfig, WithoutAFileFlagsApplyToTheDefaults) {
  auto flags = parsed({"--backend", "db.internal:3306", "--store", "none"});
  LoadResult result = resolve_config(flags, no_env());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->backend.host, "db.internal");
  EXPECT_EQ(result.config->cache.store.scheme, StoreScheme::none);
}

TEST(ResolveConfig, ProblemsCausedByFlagsAreReportedAgainstTheCommandLine) {
  LoadResult result = resolve_config(parsed({"--tls-require"}), no_env());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "command line: client_tls.require needs client_tls.cert and client_tls.key");
}

TEST(ResolveConfig, FlagsApplyOverTheFile) {
  auto flags = parsed({"--config", kDataDir + "minimal.yaml", "--threads", "3"});
  LoadResult result = resolve_config(flags, no_env());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->threads, 3u);
}

TEST(ResolveConfig, FlagsCanRepairAFileThatWouldBeInconsistentAlone) {
  // The sample's rediss:// store has a CA, credentials and a near cache; --store memory drops
  // them.
  const std::string file = kDataDir + "full.yaml";
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "REDIS_PASSWORD") return "pw";
    return std::nullopt;
  };
  auto flags = parsed({"--config", file, "--store", "memory"});
  LoadResult result = resolve_config(flags, env);
  ASSERT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].to_string());
  EXPECT_EQ(result.config->cache.store.scheme, StoreScheme::memory);
  EXPECT_EQ(result.config->cache.near_cache_limit, 0u);
}

TEST(ResolveConfig, FileErrorsKeepTheirPosition) {
  auto flags = parsed({"--check-config", kDataDir + "typos.yaml"});
  LoadResult result = resolve_config(flags, no_env());
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].file, kDataDir + "typos.yaml");
  EXPECT_EQ(result.errors[0].line, 4);
}

TEST(UsageText, ListsEveryFlagWithItsValue) {
  std::string usage = usage_text();
  for (std::string_view flag : flag_names()) {
    EXPECT_NE(usage.find(std::string(flag)), std::string::npos) << flag;
  }
  EXPECT_NE(usage.find("--listen HOST:PORT"), std::string::npos);
  EXPECT_NE(usage.find("--check-config FILE"), std::string::npos);
  EXPECT_EQ(flag_names().size(), 17u);
}

TEST(UsageText, EveryListedFlagIsAccepted) {
  // Every "--name" that --help mentions parses (with a plausible value), so help cannot
  // advertise a flag that does not exist.
  std::istringstream lines(usage_text());
  std::string line;
  int flags_seen = 0;
  while (std::getline(lines, line)) {
    if (!line.starts_with("  --")) continue;
    std::string flag = line.substr(2, line.find(' ', 2) - 2);
    ++flags_seen;
    auto result = parse({flag});
    bool accepted = result.ok() || result.error().find("needs a value") != std::string::npos;
    EXPECT_TRUE(accepted) << flag << ": " << (result.ok() ? "" : result.error());
  }
  EXPECT_EQ(flags_seen, 17);
}

TEST(UsageText, LinesFitA100ColumnTerminal) {
  std::istringstream lines(usage_text());
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 100u) << line;
}

}  // namespace
}  // namespace sqlcache::config
