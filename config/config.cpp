#include "config/config.hpp"

#include <array>
#include <utility>

namespace sqlcache::config {
namespace {

// Redis refuses string values above 512 MiB (proto-max-bulk-len).
constexpr std::uint64_t kRedisMaxValue = 512 * kMiB;

template <typename Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::pair<Enum, std::string_view>, N>& names,
                              std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "?";
}

constexpr std::array<std::pair<BackendTlsMode, std::string_view>, 5> kTlsModes{{
    {BackendTlsMode::disabled, "disabled"},
    {BackendTlsMode::preferred, "preferred"},
    {BackendTlsMode::required, "required"},
    {BackendTlsMode::verify_ca, "verify_ca"},
    {BackendTlsMode::verify_identity, "verify_identity"},
}};

constexpr std::array<std::pair<LogLevel, std::string_view>, 6> kLogLevels{{
    {LogLevel::trace, "trace"},
    {LogLevel::debug, "debug"},
    {LogLevel::info, "info"},
    {LogLevel::warn, "warn"},
    {LogLevel::error, "error"},
    {LogLevel::off, "off"},
}};

constexpr std::array<std::pair<LogFormat, std::string_view>, 2> kLogFormats{{
    {LogFormat::text, "text"},
    {LogFormat::json, "json"},
}};

}  // namespace

std::string_view to_string(BackendTlsMode mode) { return name_of(kTlsModes, mode); }
std::string_view to_string(LogLevel level) { return name_of(kLogLevels, level); }
std::string_view to_string(LogFormat format) { return name_of(kLogFormats, format); }

std::optional<BackendTlsMode> parse_backend_tls_mode(std::string_view text) {
  return find_name(kTlsModes, text);
}
std::optional<LogLevel> parse_log_level(std::string_view text) {
  return find_name(kLogLevels, text);
}
std::optional<LogFormat> parse_log_format(std::string_view text) {
  return find_name(kLogFormats, text);
}

std::vector<ConsistencyProblem> check_consistency(const Config& config) {
  std::vector<ConsistencyProblem> problems;
  auto problem = [&](std::string key, std::string message) {
    problems.push_back({std::move(key), std::move(message)});
  };

  for (std::size_t i = 0; i < config.listen.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (config.listen[i] == config.listen[j]) {
        problem("listen", config.listen[i].to_string() + " is listed twice");
      }
    }
    if (config.admin.listen && *config.admin.listen == config.listen[i] &&
        config.listen[i].port != 0) {
      problem("admin.listen", "admin.listen is also in listen (" + config.listen[i].to_string() +
                                  "); use another port");
    }
  }

  const ClientTls& client_tls = config.client_tls;
  if (!client_tls.key.empty() && client_tls.cert.empty()) {
    problem("client_tls.key", "client_tls.key is set but client_tls.cert is not");
  }
  if (!client_tls.cert.empty() && client_tls.key.empty()) {
    problem("client_tls.cert", "client_tls.cert is set but client_tls.key is not");
  }
  if (client_tls.require && client_tls.cert.empty()) {
    problem("client_tls.require", "client_tls.require needs client_tls.cert and client_tls.key");
  }

  const BackendTls& backend_tls = config.backend.tls;
  if (backend_tls.mode == BackendTlsMode::disabled) {
    if (!backend_tls.ca.empty()) {
      problem("backend.tls.ca", "backend.tls.ca is set but backend.tls.mode is disabled");
    }
    if (!backend_tls.server_name.empty()) {
      problem("backend.tls.server_name",
              "backend.tls.server_name is set but backend.tls.mode is disabled");
    }
  }

  const CacheConfig& cache = config.cache;
  if (!cache.ca.empty() && !cache.store.uses_tls()) {
    problem("cache.ca", "cache.ca only applies to a rediss:// store");
  }
  if (!cache.store.is_redis()) {
    if (cache.username) {
      problem("cache.username", "cache.username only applies to a redis:// or rediss:// store");
    }
    if (cache.password) {
      problem("cache.password", "cache.password only applies to a redis:// or rediss:// store");
    }
  }
  if (!cache.store.is_redis() && cache.near_cache_limit != 0) {
    problem("cache.near_cache_limit",
            "cache.near_cache_limit only applies to a redis:// or rediss:// store (the in-process "
            "store needs no near cache)");
  }
  if (cache.store.scheme == StoreScheme::memory && cache.max_result_bytes > cache.memory_limit) {
    problem("cache.max_result_bytes", "cache.max_result_bytes (" +
                                          format_byte_size(cache.max_result_bytes) +
                                          ") is larger than cache.memory_limit (" +
                                          format_byte_size(cache.memory_limit) + ")");
  }
  if (cache.store.is_redis() && cache.max_result_bytes > kRedisMaxValue) {
    problem("cache.max_result_bytes",
            "cache.max_result_bytes is larger than the 512MiB Redis allows for one value");
  }
  return problems;
}

}  // namespace sqlcache::config
