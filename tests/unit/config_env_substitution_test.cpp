#include <gtest/gtest.h>

#include <map>

#include "config/env_substitution.hpp"

namespace sqlcache::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

const EnvLookup kEnv = fake_env({{"REDIS_PASSWORD", "hunter2"},
                                 {"EMPTY", ""},
                                 {"HOST", "db.internal"},
                                 {"NESTED", "${HOST}"},
                                 {"_under_9", "ok"}});

std::string substituted(std::string_view text) {
  auto result = substitute_environment(text, kEnv);
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error());
  return result.ok() ? result->text : "<error>";
}

std::string error_of(std::string_view text) {
  auto result = substitute_environment(text, kEnv);
  EXPECT_FALSE(result.ok()) << text;
  return result.ok() ? "<no error>" : result.error();
}

TEST(EnvSubstitution, ReplacesVariables) {
  EXPECT_EQ(substituted("${REDIS_PASSWORD}"), "hunter2");
  EXPECT_EQ(substituted("${HOST}:3306"), "db.internal:3306");
  EXPECT_EQ(substituted("a${HOST}b${HOST}c"), "adb.internalbdb.internalc");
  EXPECT_EQ(substituted("${_under_9}"), "ok");
}

TEST(EnvSubstitution, TextWithoutVariablesIsUnchanged) {
  auto result = substitute_environment("plain text: 30s", kEnv);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->text, "plain text: 30s");
  EXPECT_FALSE(result->used_environment);
  EXPECT_TRUE(substitute_environment("${HOST}", kEnv)->used_environment);
}

TEST(EnvSubstitution, SetButEmptyIsEmpty) { EXPECT_EQ(substituted("[${EMPTY}]"), "[]"); }

TEST(EnvSubstitution, DefaultAppliesWhenUnsetOrEmpty) {
  EXPECT_EQ(substituted("${MISSING:-fallback}"), "fallback");
  EXPECT_EQ(substituted("${EMPTY:-fallback}"), "fallback");
  EXPECT_EQ(substituted("${HOST:-fallback}"), "db.internal");
  EXPECT_EQ(substituted("${MISSING:-}"), "");
  EXPECT_EQ(substituted("${MISSING:-a:b-c}"), "a:b-c");
}

TEST(EnvSubstitution, DoubleDollarIsALiteralDollar) {
  EXPECT_EQ(substituted("pa$$word"), "pa$word");
  EXPECT_EQ(substituted("$${HOST}"), "${HOST}");
  EXPECT_EQ(substituted("$$$$"), "$$");
}

TEST(EnvSubstitution, LoneDollarIsKept) {
  EXPECT_EQ(substituted("cost: 5$"), "cost: 5$");
  EXPECT_EQ(substituted("$5 and $-"), "$5 and $-");
}

TEST(EnvSubstitution, ValuesAreNotExpandedTwice) { EXPECT_EQ(substituted("${NESTED}"), "${HOST}"); }

TEST(EnvSubstitution, UnsetVariableNamesTheVariableButNoValue) {
  EXPECT_EQ(error_of("${ADMIN_TOKEN}"),
            "environment variable ADMIN_TOKEN is not set (write ${ADMIN_TOKEN:-} to allow it to "
            "be empty)");
  std::string error = error_of("${REDIS_PASSWORD}${MISSING}");
  EXPECT_NE(error.find("MISSING"), std::string::npos);
  EXPECT_EQ(error.find("hunter2"), std::string::npos);
}

TEST(EnvSubstitution, ForgottenBracesAreAnError) {
  EXPECT_EQ(error_of("$REDIS_PASSWORD"),
            "'$REDIS_PASSWORD' needs braces: write ${REDIS_PASSWORD} for an environment variable "
            "or $$ for a literal '$'");
}

TEST(EnvSubstitution, MalformedReferencesAreErrors) {
  EXPECT_EQ(error_of("${HOST"), "'${' without a closing '}'");
  const std::string bad_name =
      "'${...}' must hold a variable name (letters, digits and '_', not starting with a digit), "
      "optionally followed by :-default";
  EXPECT_EQ(error_of("${}"), bad_name);
  EXPECT_EQ(error_of("${1ABC}"), bad_name);
  EXPECT_EQ(error_of("${A-B}"), bad_name);
  EXPECT_EQ(error_of("${ HOST }"), bad_name);
  EXPECT_EQ(error_of("${HOST:default}"), bad_name);
}

TEST(EnvSubstitution, ProcessEnvironmentReadsRealVariables) {
  ::setenv("SQLCACHE_CONFIG_TEST_VARIABLE", "from the process", 1);
  ::unsetenv("SQLCACHE_CONFIG_TEST_UNSET");
  EnvLookup env = process_environment();
  EXPECT_EQ(env("SQLCACHE_CONFIG_TEST_VARIABLE"), "from the process");
  EXPECT_EQ(env("SQLCACHE_CONFIG_TEST_UNSET"), std::nullopt);
}

}  // namespace
}  // namespace sqlcache::config
