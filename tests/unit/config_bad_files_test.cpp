// Every way a configuration file can be wrong that the loader promises to catch, each with the
// exact error an operator sees. A message that changes must change here too, on purpose.
#include <gtest/gtest.h>

#include <map>

#include "config/config_loader.hpp"

namespace sqlcache::config {
namespace {

struct BadFile {
  const char* name;  // what is wrong, as a test name suffix
  const char* yaml;
  std::vector<std::string> errors;  // exactly these, in this order
};

void PrintTo(const BadFile& bad, std::ostream* os) { *os << bad.name; }

EnvLookup test_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    static const std::map<std::string, std::string> variables{{"REDIS_PASSWORD", "hunter2"},
                                                              {"NOT_A_PORT", "hunter2"}};
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

const std::string kDurationExpected = "expected a duration like 30s, 500ms or 1h30m";

const BadFile kBadFiles[] = {
    // YAML itself.
    {"BrokenYamlSyntax",
     "listen: [127.0.0.1:3307\nthreads: 2\n",
     {"bad.yaml:2:8: invalid YAML: end of sequence flow not found"}},
    {"BadIndentation",
     "cache:\n  default_ttl: 30s\n    hints: true\n",
     {"bad.yaml:3:10: invalid YAML: illegal map value"}},
    {"UnquotedTableWildcard",
     "cache:\n  tables:\n    - { match: *.sessions, ttl: 5s }\n",
     {"bad.yaml:3:16: invalid YAML: the referenced anchor is not defined (a value that starts "
      "with '*' must be quoted, as in \"*.sessions\")"}},
    {"TwoDocuments",
     "threads: 1\n---\nthreads: 2\n",
     {"bad.yaml:2:1: only one YAML document is allowed in a configuration"}},
    // yaml-cpp 0.7's LoadAll loops forever on these, and Load ignores everything after the ','.
    {"StrayCommaBeforeTheConfiguration",
     ",\nthreads: 2\n",
     {"bad.yaml:1:1: invalid YAML: unexpected ','"}},
    {"OnlyAComma", ",", {"bad.yaml:1:1: invalid YAML: unexpected ','"}},
    {"TopLevelIsAList",
     "- listen: 127.0.0.1:3307\n",
     {"bad.yaml:1:1: the file: expected a mapping of keys, got a list"}},
    {"TopLevelIsAWord",
     "sqlcache\n",
     {"bad.yaml:1:1: the file: expected a mapping of keys, got a value"}},

    // Keys.
    {"UnknownTopLevelKey",
     "listen: 127.0.0.1:3307\nbakend: { host: db }\n",
     {"bad.yaml:2:1: unknown key 'bakend' at the top level; expected one of: listen, "
      "max_connections, handshake_timeout, idle_timeout, max_packet_size, threads, "
      "shutdown_grace, backend, client_tls, cache, admin, log (did you mean 'backend'?)"}},
    {"UnknownCacheKeyWithWordsSwapped",
     "cache:\n  ttl_default: 30s\n",
     {"bad.yaml:2:3: unknown key 'ttl_default' in cache; expected one of: store, tls, username, "
      "password, ca, key_prefix, pool_size, connect_timeout, command_timeout, memory_limit, "
      "near_cache_limit, near_cache_ttl, default_ttl, max_result_bytes, max_result_rows, "
      "share_across_users, "
      "cache_in_transactions, hints, coalesce_wait, follow_dependencies, dependency_refresh, "
      "tables (did you mean 'default_ttl'?)"}},
    {"UnknownKeyWithoutSuggestion",
     "log:\n  colour: true\n",
     {"bad.yaml:2:3: unknown key 'colour' in log; expected one of: level, format, slow_query"}},
    {"UnknownKeyInNestedSection",
     "backend:\n  tls:\n    verify: true\n",
     {"bad.yaml:3:5: unknown key 'verify' in backend.tls; expected one of: mode, ca, "
      "server_name"}},
    {"UnknownKeyInRule",
     "cache:\n  tables:\n    - { match: a.b, ttl: 1s, tll: 2s }\n",
     {"bad.yaml:3:30: unknown key 'tll' in cache.tables[0]; expected one of: match, ttl, "
      "share_across_users (did you mean 'ttl'?)"}},
    {"DuplicateKey",
     "threads: 2\nmax_connections: 10\nthreads: 4\n",
     {"bad.yaml:3:1: duplicate key 'threads' at the top level (first at line 1)"}},
    {"KeyThatIsNotAWord",
     "[a, b]: 1\n",
     {"bad.yaml:1:1: keys must be plain words at the top level"}},
    {"SectionThatIsAValue",
     "cache: redis://cache:6379\n",
     {"bad.yaml:1:8: cache: expected a mapping of keys, got a value"}},
    {"SectionThatIsAList",
     "log: [info]\n",
     {"bad.yaml:1:6: log: expected a mapping of keys, got a list"}},

    // Types.
    {"DurationThatIsAWord",
     "idle_timeout: abc\n",
     {"bad.yaml:1:15: idle_timeout: " + kDurationExpected + ", got 'abc'"}},
    {"NegativeDuration",
     "cache: { default_ttl: -5s }\n",
     {"bad.yaml:1:23: cache.default_ttl: " + kDurationExpected + ", got '-5s'"}},
    {"FractionalDuration",
     "shutdown_grace: 1.5s\n",
     {"bad.yaml:1:17: shutdown_grace: " + kDurationExpected + ", got '1.5s'"}},
    {"ZeroTimeout",
     "handshake_timeout: 0\n",
     {"bad.yaml:1:20: handshake_timeout: must be longer than 0, got '0'"}},
    {"EmptyDuration",
     "cache:\n  command_timeout:\n",
     {"bad.yaml:2:3: cache.command_timeout: " + kDurationExpected + ", got nothing"}},
    {"DurationThatIsAList",
     "idle_timeout: [1s]\n",
     {"bad.yaml:1:15: idle_timeout: expected a single value, got a list"}},
    {"DecimalSizeUnit",
     "max_packet_size: 64MB\n",
     {"bad.yaml:1:18: max_packet_size: expected a size like 64MiB or a number of bytes (decimal "
      "units such as MB are ambiguous: write KiB, MiB or GiB), got '64MB'"}},
    {"SizeThatIsAWord",
     "cache: { memory_limit: lots }\n",
     {"bad.yaml:1:24: cache.memory_limit: expected a size like 64MiB or a number of bytes, got "
      "'lots'"}},
    {"PacketSizeAboveMySqlLimit",
     "max_packet_size: 2GiB\n",
     {"bad.yaml:1:18: max_packet_size: must be from 1KiB to 1GiB, got '2GiB'"}},
    {"ZeroResultBytes",
     "cache: { max_result_bytes: 0 }\n",
     {"bad.yaml:1:28: cache.max_result_bytes: must be at least 1B, got '0'"}},
    {"NegativeNumber",
     "threads: -1\n",
     {"bad.yaml:1:10: threads: expected a whole number from 0 to 1024, got '-1'"}},
    {"TooManyThreads",
     "threads: 5000\n",
     {"bad.yaml:1:10: threads: expected a whole number from 0 to 1024, got '5000'"}},
    {"ZeroConnections",
     "max_connections: 0\n",
     {"bad.yaml:1:18: max_connections: expected a whole number from 1 to 1000000, got '0'"}},
    {"ZeroPoolSize",
     "cache: { pool_size: 0 }\n",
     {"bad.yaml:1:21: cache.pool_size: expected a whole number from 1 to 64, got '0'"}},
    {"YesIsNotABoolean",
     "cache: { hints: yes }\n",
     {"bad.yaml:1:17: cache.hints: expected true or false, got 'yes'"}},

    // Addresses.
    {"ListenWithoutPort",
     "listen: 127.0.0.1\n",
     {"bad.yaml:1:9: listen: not a valid HOST:PORT: missing port: expected HOST:PORT such as "
      "127.0.0.1:3307, got '127.0.0.1'"}},
    {"ListenPortOutOfRange",
     "listen:\n  - 127.0.0.1:3307\n  - 127.0.0.1:70000\n",
     {"bad.yaml:3:5: listen[1]: not a valid HOST:PORT: the port is out of range 1-65535, got "
      "'127.0.0.1:70000'"}},
    {"ListenUnbracketedIpv6",
     "listen: '::1:3307'\n",
     {"bad.yaml:1:9: listen: not a valid HOST:PORT: IPv6 addresses need brackets, as in "
      "[::1]:3307, got '::1:3307'"}},
    {"EmptyListenList", "listen: []\n", {"bad.yaml:1:9: listen: needs at least one address"}},
    {"ListenListedTwice",
     "listen: [127.0.0.1:3307, 127.0.0.1:3307]\n",
     {"bad.yaml:1:1: 127.0.0.1:3307 is listed twice"}},
    {"AdminOnAProxyPort",
     "listen: 127.0.0.1:3307\nadmin: { listen: 127.0.0.1:3307 }\n",
     {"bad.yaml:2:10: admin.listen is also in listen (127.0.0.1:3307); use another port"}},
    {"BackendPortZero",
     "backend: { port: 0 }\n",
     {"bad.yaml:1:18: backend.port: port 0 is not allowed here (use 1-65535), got '0'"}},
    {"BackendPortFromEnvironmentNotANumber",
     "backend: { port: '${NOT_A_PORT}' }\n",
     {"bad.yaml:1:18: backend.port: the port is not a number, got '${NOT_A_PORT}'"}},
    {"BackendHostWithPort",
     "backend: { host: 'db:3306' }\n",
     {"bad.yaml:1:18: backend.host: not a valid host name or IP address, got 'db:3306'"}},

    // TLS.
    {"BadBackendTlsMode",
     "backend:\n  tls: { mode: strict }\n",
     {"bad.yaml:2:16: backend.tls.mode: expected one of disabled, preferred, required, "
      "verify_ca, verify_identity, got 'strict'"}},
    {"BadBackendTlsShorthand",
     "backend: { tls: true }\n",
     {"bad.yaml:1:17: backend.tls: expected one of disabled, preferred, required, verify_ca, "
      "verify_identity, got 'true'"}},
    {"BackendCaWithTlsDisabled",
     "backend:\n  tls: { ca: /ca.pem }\n",
     {"bad.yaml:2:10: backend.tls.ca is set but backend.tls.mode is disabled"}},
    {"ClientKeyWithoutCert",
     "client_tls:\n  key: /k.pem\n",
     {"bad.yaml:2:3: client_tls.key is set but client_tls.cert is not"}},
    {"ClientTlsRequiredWithoutCert",
     "client_tls: { require: true }\n",
     {"bad.yaml:1:15: client_tls.require needs client_tls.cert and client_tls.key"}},
    {"EmptySectionIsNotAnError",
     "threads: 1\nclient_tls:\n",
     {}},  // an empty section is fine: TLS stays off

    // The store.
    {"UnknownStoreScheme",
     "cache: { store: 'memcached://cache:11211' }\n",
     {"bad.yaml:1:17: cache.store: expected none, memory, "
      "redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://..."}},
    {"StoreUrlWithBadPortNeverShowsThePassword",
     "cache: { store: 'redis://app:hunter2@cache:99999' }\n",
     {"bad.yaml:1:17: cache.store: in the store URL: the port is out of range 1-65535"}},
    {"StoreUrlWithBadEscape",
     "cache: { store: 'redis://app:50%@cache' }\n",
     {"bad.yaml:1:17: cache.store: in the store URL's password: '%' must be followed by two hex "
      "digits"}},
    {"StoreCaWithoutTls",
     "cache: { store: 'redis://cache', ca: /ca.pem }\n",
     {"bad.yaml:1:34: cache.ca only applies to a rediss:// store"}},
    {"PasswordForTheMemoryStore",
     "cache:\n  password: ${REDIS_PASSWORD}\n",
     {"bad.yaml:2:3: cache.password only applies to a redis:// or rediss:// store"}},
    {"StoreTlsForMemory",
     "cache: { tls: true }\n",
     {"bad.yaml:1:15: cache.tls: TLS only applies to a redis:// store"}},
    {"StoreTlsFalseWithRediss",
     "cache: { store: 'rediss://c', tls: false }\n",
     {"bad.yaml:1:36: cache.tls: false contradicts the rediss:// store URL"}},
    {"NearCacheForTheMemoryStore",
     "cache: { store: memory, near_cache_limit: 8MiB }\n",
     {"bad.yaml:1:25: cache.near_cache_limit only applies to a redis:// or rediss:// store (the "
      "in-process store needs no near cache)"}},
    {"NearCacheTtlOfZero",
     "cache: { store: 'redis://c', near_cache_ttl: 0s }\n",
     {"bad.yaml:1:46: cache.near_cache_ttl: must be longer than 0, got '0s'"}},
    {"ResultLargerThanMemory",
     "cache: { memory_limit: 1MiB, max_result_bytes: 2MiB }\n",
     {"bad.yaml:1:30: cache.max_result_bytes (2MiB) is larger than cache.memory_limit (1MiB)"}},
    {"ResultLargerThanRedisAllows",
     "cache: { store: 'redis://c', max_result_bytes: 1GiB }\n",
     {"bad.yaml:1:30: cache.max_result_bytes is larger than the 512MiB Redis allows for one "
      "value"}},

    // TTL rules.
    {"RuleMatchWithoutSchema",
     "cache:\n  tables:\n    - { match: products, ttl: 1m }\n",
     {"bad.yaml:3:16: cache.tables[0].match: must name a table as db.table, db.* or *.table, "
      "got 'products'"}},
    {"RuleMatchAllTables",
     "cache:\n  tables:\n    - { match: '*.*', ttl: 1m }\n",
     {"bad.yaml:3:16: cache.tables[0].match: \"*.*\" matches every table: set "
      "cache.default_ttl instead, got '*.*'"}},
    {"RuleMatchWithPartialWildcard",
     "cache:\n  tables:\n    - { match: 'shop.prod*', ttl: 1m }\n",
     {"bad.yaml:3:16: cache.tables[0].match: uses '*' inside a name; '*' must stand alone, as in "
      "\"db.*\", got 'shop.prod*'"}},
    {"RuleMatchWithThreeParts",
     "cache:\n  tables:\n    - { match: a.b.c, ttl: 1m }\n",
     {"bad.yaml:3:16: cache.tables[0].match: has more than one '.'; expected db.table, db.* or "
      "*.table, got 'a.b.c'"}},
    {"DuplicateRule",
     "cache:\n  tables:\n    - { match: shop.products, ttl: 1m }\n"
     "    - { match: shop.orders, ttl: 0 }\n    - { match: shop.products, ttl: 5m }\n",
     {"bad.yaml:5:16: cache.tables[2].match: duplicate rule for shop.products (first in "
      "cache.tables[0] at line 3)"}},
    {"RuleWithoutTtl",
     "cache:\n  tables:\n    - match: shop.products\n",
     {"bad.yaml:3:7: cache.tables[0]: missing key 'ttl' (0 means never cache)"}},
    {"RuleWithoutMatch",
     "cache:\n  tables:\n    - ttl: 1m\n",
     {"bad.yaml:3:7: cache.tables[0]: missing key 'match' (db.table, db.* or *.table)"}},
    {"RuleThatIsAString",
     "cache:\n  tables:\n    - shop.products\n",
     {"bad.yaml:3:7: cache.tables[0]: expected a rule such as { match: shop.products, ttl: 10m "
      "}"}},
    {"TablesThatIsAMapping",
     "cache:\n  tables: { shop.products: 10m }\n",
     {"bad.yaml:2:11: cache.tables: expected a list of rules such as { match: shop.products, "
      "ttl: 10m }"}},
    {"RuleWithBadTtlAndShare",
     "cache:\n  tables:\n    - { match: a.b, ttl: soon, share_across_users: sometimes }\n",
     {"bad.yaml:3:26: cache.tables[0].ttl: " + kDurationExpected + ", got 'soon'",
      "bad.yaml:3:52: cache.tables[0].share_across_users: expected true or false, got "
      "'sometimes'"}},

    // Environment.
    {"UnsetVariable",
     "cache:\n  store: redis://cache\n  password: ${REDIS_PASWORD}\n",
     {"bad.yaml:3:13: cache.password: environment variable REDIS_PASWORD is not set (write "
      "${REDIS_PASWORD:-} to allow it to be empty)"}},
    {"VariableWithoutBraces",
     "admin: { token: $ADMIN_TOKEN }\n",
     {"bad.yaml:1:17: admin.token: '$ADMIN_TOKEN' needs braces: write ${ADMIN_TOKEN} for an "
      "environment variable or $$ for a literal '$'"}},
    {"UnterminatedVariable",
     "backend: { host: '${DB_HOST' }\n",
     {"bad.yaml:1:18: backend.host: '${' without a closing '}'"}},

    // Log.
    {"BadLogFormat",
     "log: { format: xml }\n",
     {"bad.yaml:1:16: log.format: expected one of text, json, got 'xml'"}},

    // Several problems are all reported, in file order.
    {"SeveralProblems",
     "threads: lots\nbackend: { port: http }\nlog: { level: loud }\n",
     {"bad.yaml:1:10: threads: expected a whole number from 0 to 1024, got 'lots'",
      "bad.yaml:2:18: backend.port: the port is not a number, got 'http'",
      "bad.yaml:3:15: log.level: expected one of trace, debug, info, warn, error, off, got "
      "'loud'"}},
};

class BadConfigFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadConfigFile, GetsExactlyTheExpectedErrors) {
  const BadFile& bad = GetParam();
  LoadResult result = load_config_string(bad.yaml, "bad.yaml", test_env());
  std::vector<std::string> actual;
  for (const ConfigError& error : result.errors) actual.push_back(error.to_string());
  EXPECT_EQ(actual, bad.errors) << "file:\n" << bad.yaml;
  EXPECT_EQ(result.ok(), bad.errors.empty());
  for (const std::string& error : actual) {
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << "a secret leaked: " << error;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfigFile, ::testing::ValuesIn(kBadFiles),
                         [](const ::testing::TestParamInfo<BadFile>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace sqlcache::config
