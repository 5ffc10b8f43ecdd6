// The configuration file loader on arbitrary text, and the command-line parser on arbitrary
// argument vectors. Errors come back as values (never an exception, never a crash), an error
// message never shows the value of an environment variable, and a configuration that loads is
// consistent: it passes its own checks, reloading it onto itself changes nothing, and every TTL
// rule decides the tables it names.
// Input: [selector] [text...]
//   selector bit 0 clear: text is a YAML file;
//                  set:   text is an argument vector, arguments separated by NUL bytes.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/command_line.hpp"
#include "config/config_loader.hpp"
#include "config/reload.hpp"
#include "fuzz_input.hpp"

using namespace sqlcache::config;

namespace {

// A value no input is likely to spell out, so that finding it in a message means it came from
// the environment.
constexpr std::string_view kSecret = "pw-Zq7vX2-from-env";

// ${NAME}: names with PORT give a port, with HOST a host; EMPTY... is set but empty, UNSET...
// is not set; every other name (REDIS_PASSWORD, ADMIN_TOKEN, ...) holds the secret.
std::optional<std::string> fake_environment(const std::string& name) {
  if (name.starts_with("UNSET")) return std::nullopt;
  if (name.starts_with("EMPTY")) return "";
  if (name.find("PORT") != std::string::npos) return "6379";
  if (name.find("HOST") != std::string::npos) return "127.0.0.1";
  return std::string(kSecret);
}

void check_errors(const LoadResult& result, std::string_view input) {
  FUZZ_CHECK(result.ok() == result.errors.empty());
  const bool input_has_secret = input.find(kSecret) != std::string_view::npos;
  for (const ConfigError& error : result.errors) {
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(error.line >= 0 && error.column >= 0);
    const std::string text = error.to_string();
    FUZZ_CHECK(!text.empty());
    if (!input_has_secret) FUZZ_CHECK(text.find(kSecret) == std::string::npos);
  }
}

void check_loaded(const Config& config) {
  FUZZ_CHECK(check_consistency(config).empty());
  const ReloadPlan plan = plan_reload(config, config);
  FUZZ_CHECK(plan.needs_restart.empty() && !plan.cache_policy_changed && !plan.log_changed);
  FUZZ_CHECK(apply_reload(config, config) == config);

  // Each rule decides the tables it names (no rule name holds a space, so " " matches only
  // wildcards).
  const TtlRules rules = config.cache.ttl_rules();
  for (const TtlRule& rule : config.cache.tables) {
    const std::string schema = rule.schema == kAnyName ? " " : rule.schema;
    const std::string table = rule.table == kAnyName ? " " : rule.table;
    const TtlDecision decision = rules.decide(schema, table);
    FUZZ_CHECK(decision.rule != nullptr && *decision.rule == rule);
    FUZZ_CHECK(decision.ttl == rule.ttl);
  }
}

void check_yaml(std::string_view yaml) {
  const LoadResult result = load_config_string(yaml, "fuzz.yaml", fake_environment);
  check_errors(result, yaml);
  if (result.ok()) check_loaded(*result.config);
}

void check_command_line(std::string_view text) {
  std::vector<std::string_view> args;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\0') {
      if (i > start || i < text.size()) args.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  const auto parsed = parse_command_line(std::span<const std::string_view>(args));
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().empty());
    return;
  }
  // The flags on top of the defaults, without reading a file (resolve_config would open
  // --config FILE).
  Config config;
  apply_overrides(config, *parsed);
  const auto problems = check_consistency(config);
  for (const ConsistencyProblem& problem : problems) FUZZ_CHECK(!problem.message.empty());
  if (problems.empty() && !parsed->config_file) {
    const LoadResult resolved = resolve_config(*parsed, fake_environment);
    FUZZ_CHECK(resolved.ok());
    FUZZ_CHECK(*resolved.config == config);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlcache::fuzz::FuzzInput in(data, size);
  const std::uint8_t selector = in.byte();
  const auto rest = in.rest();
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  if (selector & 1) {
    check_command_line(text);
  } else {
    check_yaml(text);
  }
  return 0;
}
