#include "config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "config/config_keys.hpp"
#include "config/yaml_document.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcache::config {
namespace {

constexpr std::uint64_t kMaxConnections = 1'000'000;
constexpr std::uint64_t kMaxThreads = 1024;
constexpr std::uint64_t kMaxPoolSize = 64;
// MySQL's own ceiling for max_allowed_packet.
constexpr std::uint64_t kMaxPacketSize = kGiB;
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

ValueParser<HostPort> address(PortZero zero) {
  return [zero](std::string_view text) -> ParseResult<HostPort> {
    auto parsed = parse_host_port(text, zero);
    if (!parsed) return ParseError{"not a valid HOST:PORT: " + parsed.error()};
    return parsed;
  };
}

ValueParser<std::string> host_name() {
  return [](std::string_view text) -> ParseResult<std::string> {
    if (!is_valid_host(text)) return ParseError{"not a valid host name or IP address"};
    return std::string(text);
  };
}

ValueParser<std::uint16_t> port_number() {
  return [](std::string_view text) -> ParseResult<std::uint16_t> { return parse_port(text); };
}

ValueParser<StoreUrl> store_url() {
  return [](std::string_view text) -> ParseResult<StoreUrl> { return parse_store_url(text); };
}

ValueParser<TableMatch> table_match() {
  return [](std::string_view text) -> ParseResult<TableMatch> { return parse_table_match(text); };
}

// Parses a word from a fixed set, listing the set when the word is not in it.
template <typename Enum>
ValueParser<Enum> one_of(std::optional<Enum> (*parse)(std::string_view), std::string choices) {
  return [parse, choices](std::string_view text) -> ParseResult<Enum> {
    if (auto value = parse(text)) return *value;
    return ParseError{"expected one of " + choices};
  };
}

class Loader {
 public:
  Loader(std::string name, const EnvLookup& env) : reader_(std::move(name), env) {}

  LoadResult load(std::string_view yaml, const ConfigAdjustment& adjust) {
    YamlDocument document = parse_single_document(std::string(yaml));
    if (document.error) {
      reader_.error(document.error->mark, std::move(document.error->message));
    } else {
      read_top_level(document.root);
    }
    if (!reader_.has_errors()) {
      if (adjust) adjust(config_);
      for (const ConsistencyProblem& problem : check_consistency(config_)) {
        reader_.error_at_key(problem.key, problem.message);
      }
    }

    LoadResult result;
    result.errors = reader_.take_errors();
    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const ConfigError& a, const ConfigError& b) {
                       return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    if (result.errors.empty()) result.config = std::move(config_);
    return result;
  }

 private:
  void read_top_level(const YAML::Node& root) {
    Section top = reader_.section(root, "", root.Mark(), keys::kTopLevel);
    if (const Entry* listen = top.find("listen")) read_listen(*listen);
    read_number(top, "max_connections", config_.max_connections, 1, kMaxConnections);
    reader_.read(top, "handshake_timeout", config_.handshake_timeout,
                 duration(ZeroDuration::rejected));
    reader_.read(top, "idle_timeout", config_.idle_timeout, duration(ZeroDuration::allowed));
    reader_.read(top, "max_packet_size", config_.max_packet_size, byte_size(kKiB, kMaxPacketSize));
    read_number(top, "threads", config_.threads, 0, kMaxThreads);
    reader_.read(top, "shutdown_grace", config_.shutdown_grace, duration(ZeroDuration::allowed));
    if (const Entry* entry = top.find("backend")) read_backend(*entry);
    if (const Entry* entry = top.find("client_tls")) read_client_tls(*entry);
    if (const Entry* entry = top.find("cache")) read_cache(*entry);
    if (const Entry* entry = top.find("admin")) read_admin(*entry);
    if (const Entry* entry = top.find("log")) read_log(*entry);
  }

  // One address or a list of them.
  void read_listen(const Entry& entry) {
    if (!entry.value.IsSequence()) {
      HostPort address_read;
      if (reader_.read(entry, address_read, address(PortZero::allow))) {
        config_.listen = {address_read};
      }
      return;
    }
    if (entry.value.size() == 0) {
      reader_.error(entry.value.Mark(), entry.path + ": needs at least one address");
      return;
    }
    std::vector<HostPort> addresses;
    std::size_t index = 0;
    bool all_read = true;
    for (const YAML::Node& item : entry.value) {
      Entry item_entry{entry.path + "[" + std::to_string(index++) + "]", entry.key, item};
      HostPort address_read;
      if (reader_.read(item_entry, address_read, address(PortZero::allow))) {
        addresses.push_back(std::move(address_read));
      } else {
        all_read = false;
      }
    }
    if (all_read) config_.listen = std::move(addresses);
  }

  void read_backend(const Entry& entry) {
    Section backend = reader_.section(entry.value, entry.path, entry.key.Mark(), keys::kBackend);
    BackendConfig& out = config_.backend;
    reader_.read(backend, "host", out.host, host_name());
    reader_.read(backend, "port", out.port, port_number());
    reader_.read(backend, "connect_timeout", out.connect_timeout, duration(ZeroDuration::rejected));
    const Entry* tls = backend.find("tls");
    if (tls == nullptr) return;
    auto mode = one_of<BackendTlsMode>(parse_backend_tls_mode,
                                       "disabled, preferred, required, verify_ca, verify_identity");
    // "tls: required" is shorthand for "tls: { mode: required }".
    if (tls->value.IsScalar()) {
      reader_.read(*tls, out.tls.mode, mode);
      return;
    }
    Section section = reader_.section(tls->value, tls->path, tls->key.Mark(), keys::kBackendTls);
    reader_.read(section, "mode", out.tls.mode, mode);
    reader_.read(section, "ca", out.tls.ca, any_text());
    reader_.read(section, "server_name", out.tls.server_name, host_name());
  }

  void read_client_tls(const Entry& entry) {
    Section tls = reader_.section(entry.value, entry.path, entry.key.Mark(), keys::kClientTls);
    reader_.read(tls, "cert", config_.client_tls.cert, any_text());
    reader_.read(tls, "key", config_.client_tls.key, any_text());
    reader_.read(tls, "require", config_.client_tls.require, boolean());
  }

  void read_cache(const Entry& entry) {
    Section cache = reader_.section(entry.value, entry.path, entry.key.Mark(), keys::kCache);
    CacheConfig& out = config_.cache;
    const Entry* store = cache.find("store");
    bool store_read = store == nullptr || reader_.read(*store, out.store, store_url(), Echo::no);
    read_optional_text(cache, "username", out.username);
    read_optional_text(cache, "password", out.password);
    reader_.read(cache, "ca", out.ca, any_text());
    reader_.read(cache, "key_prefix", out.key_prefix, any_text());
    read_number(cache, "pool_size", out.pool_size, 1, kMaxPoolSize);
    reader_.read(cache, "connect_timeout", out.connect_timeout, duration(ZeroDuration::rejected));
    reader_.read(cache, "command_timeout", out.command_timeout, duration(ZeroDuration::rejected));
    reader_.read(cache, "memory_limit", out.memory_limit, byte_size(kMiB, kNoLimit));
    reader_.read(cache, "near_cache_limit", out.near_cache_limit, byte_size(0, kNoLimit));
    reader_.read(cache, "near_cache_ttl", out.near_cache_ttl, duration(ZeroDuration::rejected));
    reader_.read(cache, "default_ttl", out.default_ttl, duration(ZeroDuration::allowed));
    reader_.read(cache, "max_result_bytes", out.max_result_bytes, byte_size(1, kNoLimit));
    reader_.read(cache, "max_result_rows", out.max_result_rows, whole_number(0, kNoLimit));
    reader_.read(cache, "share_across_users", out.share_across_users, boolean());
    reader_.read(cache, "cache_in_transactions", out.cache_in_transactions, boolean());
    reader_.read(cache, "hints", out.hints, boolean());
    reader_.read(cache, "coalesce_wait", out.coalesce_wait, duration(ZeroDuration::allowed));
    reader_.read(cache, "follow_dependencies", out.follow_dependencies, boolean());
    reader_.read(cache, "dependency_refresh", out.dependency_refresh,
                 duration(ZeroDuration::allowed));
    if (const Entry* tables = cache.find("tables")) read_rules(*tables);
    const Entry* tls = cache.find("tls");
    if (tls != nullptr && store_read) read_store_tls(*tls);
  }

  // "tls: true" with a redis:// URL means rediss://; it is an error for any other store, and
  // "tls: false" contradicts a rediss:// URL.
  void read_store_tls(const Entry& entry) {
    bool tls = false;
    if (!reader_.read(entry, tls, boolean())) return;
    StoreUrl& store = config_.cache.store;
    if (tls && store.scheme == StoreScheme::redis) {
      store.scheme = StoreScheme::rediss;
    } else if (tls && !store.is_redis()) {
      reader_.error(YamlReader::value_mark(entry),
                    entry.path + ": TLS only applies to a redis:// store");
    } else if (!tls && store.uses_tls()) {
      reader_.error(YamlReader::value_mark(entry),
                    entry.path + ": false contradicts the rediss:// store URL");
    }
  }

  void read_rules(const Entry& entry) {
    if (entry.value.IsNull()) return;
    if (!entry.value.IsSequence()) {
      reader_.error(entry.value.Mark(), entry.path +
                                            ": expected a list of rules such as "
                                            "{ match: shop.products, ttl: 10m }");
      return;
    }
    struct FirstRule {
      std::string path;
      int line;
    };
    std::map<std::string, FirstRule> seen;
    std::size_t index = 0;
    for (const YAML::Node& item : entry.value) {
      std::string path = entry.path + "[" + std::to_string(index++) + "]";
      reader_.remember_key(path, item.Mark());
      if (!item.IsMap()) {
        reader_.error(item.Mark(), path +
                                       ": expected a rule such as "
                                       "{ match: shop.products, ttl: 10m }");
        continue;
      }
      Section rule_section = reader_.section(item, path, item.Mark(), keys::kTableRule);
      const Entry* match = rule_section.find("match");
      if (match == nullptr) {
        reader_.error(item.Mark(), path + ": missing key 'match' (db.table, db.* or *.table)");
      }
      if (rule_section.find("ttl") == nullptr) {
        reader_.error(item.Mark(), path + ": missing key 'ttl' (0 means never cache)");
      }
      TtlRule rule;
      TableMatch matched;
      bool ok = match != nullptr && reader_.read(*match, matched, table_match());
      ok = reader_.read(rule_section, "ttl", rule.ttl, duration(ZeroDuration::allowed)) && ok;
      bool share = false;
      if (reader_.read(rule_section, "share_across_users", share, boolean())) {
        rule.share_across_users = share;
      }
      if (!ok) continue;
      rule.schema = std::move(matched.schema);
      rule.table = std::move(matched.table);
      int line = match->key.Mark().line + 1;
      auto [first, inserted] = seen.try_emplace(rule.match(), FirstRule{path, line});
      if (!inserted) {
        reader_.error(YamlReader::value_mark(*match), match->path + ": duplicate rule for " +
                                                          rule.match() + " (first in " +
                                                          first->second.path + " at line " +
                                                          std::to_string(first->second.line) + ")");
        continue;
      }
      config_.cache.tables.push_back(std::move(rule));
    }
  }

  void read_admin(const Entry& entry) {
    Section admin = reader_.section(entry.value, entry.path, entry.key.Mark(), keys::kAdmin);
    if (const Entry* listen = admin.find("listen")) {
      // Empty (or "${ADMIN_LISTEN:-}" with the variable unset) turns the endpoint off.
      std::optional<HostPort> parsed;
      reader_.read(*listen, parsed,
                   ValueParser<std::optional<HostPort>>(
                       [](std::string_view text) -> ParseResult<std::optional<HostPort>> {
                         if (text.empty()) return std::optional<HostPort>();
                         auto hp = address(PortZero::allow)(text);
                         if (!hp) return ParseError{hp.error()};
                         return std::optional<HostPort>(std::move(hp).value());
                       }));
      config_.admin.listen = std::move(parsed);
    }
    reader_.read(admin, "token", config_.admin.token, any_text(), Echo::no);
  }

  void read_log(const Entry& entry) {
    Section log = reader_.section(entry.value, entry.path, entry.key.Mark(), keys::kLog);
    reader_.read(log, "level", config_.log.level,
                 one_of<LogLevel>(parse_log_level, "trace, debug, info, warn, error, off"));
    reader_.read(log, "format", config_.log.format,
                 one_of<LogFormat>(parse_log_format, "text, json"));
    reader_.read(log, "slow_query", config_.log.slow_query, duration(ZeroDuration::allowed));
  }

  template <typename Number>
  void read_number(const Section& section, std::string_view key, Number& out, std::uint64_t min,
                   std::uint64_t max) {
    std::uint64_t value = 0;
    if (reader_.read(section, key, value, whole_number(min, max))) {
      out = static_cast<Number>(value);
    }
  }

  // Credentials: absent keeps the URL's; never echoed in messages.
  void read_optional_text(const Section& section, std::string_view key,
                          std::optional<std::string>& out) {
    std::string value;
    if (reader_.read(section, key, value, any_text(), Echo::no)) out = std::move(value);
  }

  YamlReader reader_;
  Config config_;
};

}  // namespace

LoadResult load_config_string(std::string_view yaml, std::string_view name_for_errors,
                              const EnvLookup& env, const ConfigAdjustment& adjust) {
  return Loader(std::string(name_for_errors), env).load(yaml, adjust);
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env,
                            const ConfigAdjustment& adjust) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return LoadResult{std::nullopt, {ConfigError{path, 0, 0, "is a directory, not a file"}}};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return LoadResult{
        std::nullopt,
        {ConfigError{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_string(text.str(), path, env, adjust);
}

}  // namespace sqlcache::config
